/**
 * `deno task chaos`: the reliability suite. Starts real `vframe server` processes, real
 * redis-servers and real `vframe worker` processes on loopback, injects one fault after the
 * other, and prints a table: fault, runs, frames expected / out / fallback, Redis keys leaked,
 * peak RSS of the server process tree, whether a good job succeeds afterwards, and the verdict.
 * Exits 1 when any verdict is FAIL. See docs/reliability.md.
 *
 *     deno task chaos                     # every fault, 2 runs each (a few minutes)
 *     deno task chaos --short             # the CI form (about a minute)
 *     deno task chaos --only 7,worker-kill --runs 3 --json
 */
import { FAULTS } from "./chaos/faults/mod.ts";
import { formatDetails, formatTable } from "./chaos/report.ts";
import {
  emergencyStop,
  machineInfo,
  runSuite,
  selectFaults,
  type SuiteReport,
} from "./chaos/suite.ts";

const USAGE = `usage: deno task chaos [options]

Runs real vframe servers, workers and redis-servers on loopback, injects faults, prints a table
and exits 1 when any verdict is FAIL (2 on bad usage).

options:
  --short          the CI form: lighter variants, 1 run each (about a minute)
  --runs N         runs per fault (default: 2; 1 with --short)
  --only LIST      comma-separated fault ids or numbers, e.g. --only 7,worker-kill
  --json           print the report as JSON on stdout instead of the table
  --keep           keep every fault's folder and process logs (failed faults' are always kept)
  --verbose, -v    print every step on stderr
  --list           list the faults and exit
  --help, -h       this help

faults:
${
  FAULTS.map((f) =>
    `  ${String(f.n).padStart(2)} ${f.id.padEnd(20)} ${f.title}${
      f.short ? "" : " (long form only)"
    }`
  ).join("\n")
}
`;

interface Args {
  short: boolean;
  runs?: number;
  only?: string[];
  json: boolean;
  keep: boolean;
  verbose: boolean;
  list: boolean;
  help: boolean;
}

/** Parses the command line. @throws Error with a message for the user. */
export function parseArgs(argv: string[]): Args {
  const a: Args = {
    short: false,
    json: false,
    keep: false,
    verbose: false,
    list: false,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith("--") && arg.includes("=")
      ? arg.split(/=(.*)/s, 2)
      : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new Error(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case "--short":
        a.short = true;
        break;
      case "--runs": {
        const v = value();
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < 1 || n > 100) {
          throw new Error(`--runs must be an integer 1..100, got '${v}'`);
        }
        a.runs = n;
        break;
      }
      case "--only":
        a.only = value().split(",").map((s) => s.trim()).filter(Boolean);
        break;
      case "--json":
        a.json = true;
        break;
      case "--keep":
        a.keep = true;
        break;
      case "--verbose":
      case "-v":
        a.verbose = true;
        break;
      case "--list":
        a.list = true;
        break;
      case "--help":
      case "-h":
        a.help = true;
        break;
      default:
        throw new Error(`unknown option '${arg}'`);
    }
  }
  return a;
}

/** The table with its header (command, date, machine) and the details under it. */
export function formatReport(report: SuiteReport, command: string): string {
  const m = report.machine;
  const failed = report.outcomes.filter((o) => o.verdict === "FAIL");
  return [
    `$ ${command}`,
    `${report.startedAt} — ${m.nproc} CPUs (${m.cpu}), ${
      (m.memTotalMiB / 1024).toFixed(1)
    } GiB RAM, ` +
    `load ${m.loadAvg}, Deno ${m.deno}, ${m.os}`,
    "",
    formatTable(report.outcomes),
    "",
    formatDetails(report.outcomes),
    "",
    `${report.outcomes.length - failed.length} of ${report.outcomes.length} faults passed in ${
      (report.ms / 1000).toFixed(1)
    } s${failed.length ? `; FAILED: ${failed.map((o) => o.id).join(", ")}` : ""}`,
    ...(report.dir ? [`kept: ${report.dir}`] : []),
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
    if (args.only) selectFaults(FAULTS, { only: args.only });
  } catch (e) {
    console.error(`chaos: ${e instanceof Error ? e.message : e}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.list) {
    for (const f of FAULTS) {
      console.log(`${f.n}\t${f.id}\t${f.short ? "short" : "long"}\t${f.title}`);
    }
    return 0;
  }
  const stop = () => {
    console.error("chaos: interrupted: stopping every process it started");
    emergencyStop();
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  globalThis.addEventListener("unload", () => emergencyStop());
  const m = machineInfo();
  console.error(
    `chaos: ${
      args.short ? "short form" : "long form"
    } on ${m.nproc} CPUs (${m.cpu}), load ${m.loadAvg}`,
  );
  let report: SuiteReport;
  try {
    report = await runSuite({
      faults: FAULTS,
      short: args.short,
      runs: args.runs,
      only: args.only,
      keep: args.keep,
      log: args.verbose ? (line) => console.error(`  ${line}`) : undefined,
      onOutcome: (o) =>
        console.error(
          `chaos: ${String(o.n).padStart(2)} ${o.id.padEnd(20)} ${o.verdict} (${
            (o.ms / 1000).toFixed(1)
          } s)`,
        ),
    });
  } catch (e) {
    console.error(`chaos: ${e instanceof Error ? e.message : e}`);
    return 1;
  }
  const command = `deno task chaos${argv.length ? ` ${argv.join(" ")}` : ""}`;
  if (args.json) console.log(JSON.stringify({ command, ...report }, null, 2));
  else console.log(formatReport(report, command));
  return report.passed ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
