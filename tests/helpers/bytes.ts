/** The tests' byte concatenation: the source's own (src/util/bytes.ts). */
export { concatBytes } from "../../src/util/bytes.ts";
