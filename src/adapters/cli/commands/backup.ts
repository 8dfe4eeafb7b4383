/**
 * `tsca backup DIR` and `tsca backup --verify DIR` (core/usecases/backup.ts). The backup prints what it
 * copied and, with PostgreSQL, that the database needs pg_dump; --verify prints "ok" or exits 1
 * (ERR_BACKUP_MISMATCH) after naming each mismatch on stderr. --verify needs no database or settings: a
 * backup can be checked on any host it was copied to.
 */
import type { Command } from "commander";
import { TscaError } from "../../../core/errors.js";
import { printable } from "../../../core/text/printable.js";
import { takeBackup, verifyBackup } from "../../../core/usecases/backup.js";
import { FsBackupFiles } from "../../fs/backup-files.js";
import type { CliIo, ContextFactory } from "../context.js";
import { examples } from "../help.js";
import { textLines } from "../output.js";

export function registerBackup(program: Command, context: ContextFactory, io: CliIo): void {
  program
    .command("backup")
    .description(
      "Back up the installation into DIR (new or empty, made 0700): an online copy of the SQLite database, the key directories with their modes, and manifest.json with every file's size, mode and SHA-256, written last. With --verify, check a backup against its manifest.",
    )
    .argument("<dir>", "the backup directory")
    .option("--verify", "check DIR against its manifest; exit 1 naming each file that differs")
    .addHelpText(
      "after",
      examples(
        ["tsca backup /srv/backup/tsca-$(date +%F)", "while tsca serve runs"],
        ["tsca backup --verify /srv/backup/tsca-2026-12-04", "recompute every sum and mode"],
      ),
    )
    .action(async (dir: string, o: { verify?: boolean }) => {
      const files = new FsBackupFiles();
      if (o.verify) {
        const { manifest, problems } = await verifyBackup(files, dir);
        if (problems.length) {
          for (const p of problems) io.stderr.write(`${printable(p)}\n`);
          throw new TscaError(
            "ERR_BACKUP_MISMATCH",
            `${dir}: ${problems.length} difference${problems.length === 1 ? "" : "s"} from the manifest; each is named above.`,
          );
        }
        io.stdout.write(textLines([`ok: ${manifest.files.filter((f) => f.kind === "file").length} files match ${dir}/manifest.json`]));
        return;
      }
      const ctx = await context();
      const m = await takeBackup(
        ctx.caller,
        { files, clock: ctx.clock, version: program.version() ?? "0.0.0", ...ctx.backupSources },
        { dir },
      );
      const lines = [
        m.database.file
          ? `database: ${m.database.file} (SQLite, migration ${m.database.migration ?? "none"})`
          : `database: PostgreSQL is not copied by tsca backup; dump it with pg_dump (docs/operations.md, "Backups and restore")`,
      ];
      for (const top of ["ca", "ocsp"]) {
        const n = m.files.filter((f) => f.kind === "file" && f.path.startsWith(`${top}/`)).length;
        lines.push(m.files.some((f) => f.path === top) ? `${top}/: ${n} file${n === 1 ? "" : "s"}` : `${top}/: not on this host`);
      }
      lines.push(`manifest: ${dir}/manifest.json`);
      io.stdout.write(textLines(lines));
    });
}
