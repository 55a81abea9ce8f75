/**
 * A real SMTP server for tests (npm `smtp-server` on a free loopback port) that parses what it receives
 * with `mailparser`. `refuse` makes it answer `451` (temporary) to every message until reset.
 */
import { SMTPServer } from "smtp-server";
import { type ParsedMail, simpleParser } from "mailparser";
import { Buffer } from "node:buffer";

/** A running test SMTP server. */
export interface TestSmtp {
  /** `smtp://user:secret@127.0.0.1:<port>` (the server accepts any credentials). */
  url: string;
  /** Every accepted mail, in arrival order, with its raw source. */
  received: (ParsedMail & { raw: string })[];
  /** While set, every message is refused with this temporary (4xx) answer. */
  refuse: string | null;
  /** How many messages were refused. */
  refused: number;
  /** Resolves when at least `count` mails were accepted; rejects after `timeoutMs` [10 000]. */
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1 with AUTH and no TLS. */
export async function startTestSmtp(): Promise<TestSmtp> {
  const waiters = new Set<() => void>();
  const state: TestSmtp = {
    url: "",
    received: [],
    refuse: null,
    refused: 0,
    waitFor(count, timeoutMs = 10_000) {
      if (state.received.length >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`SMTP server got ${state.received.length} mails, expected ${count}`));
        }, timeoutMs);
        const check = () => {
          if (state.received.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onAuth(_auth, _session, callback) {
      callback(null, { user: "test" });
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", async () => {
        if (state.refuse !== null) {
          state.refused++;
          const error = Object.assign(new Error(state.refuse), { responseCode: 451 });
          return callback(error);
        }
        const raw = Buffer.concat(chunks);
        const parsed = await simpleParser(raw);
        state.received.push(Object.assign(parsed, { raw: raw.toString("utf8") }));
        callback();
        for (const waiter of [...waiters]) waiter();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  state.url = `smtp://user:secret@127.0.0.1:${port}`;
  return state;
}
