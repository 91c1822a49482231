/**
 * vframe's wire protocol, version 3: message types and limits, the pure codec, checksums, the
 * token proof and {@link MessageConnection}. See docs/protocol.md.
 * @module
 */
export * from "./messages.ts";
export * from "./errors.ts";
export * from "./checksum.ts";
export * from "./auth.ts";
export { type DecoderOptions, encodeMessage, MessageDecoder } from "./codec.ts";
export { validateMessage } from "./validate.ts";
export { checkJobResult } from "./result_check.ts";
export {
  type GracefulCloseOptions,
  MessageConnection,
  type MessageConnectionOptions,
} from "./connection.ts";
