// Minimal leveled logger on stderr; level from SKETCHBOARD_LOG_LEVEL (debug|info|warn|error|silent).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

function currentLevel(): LogLevel {
  const raw = process.env.SKETCHBOARD_LOG_LEVEL;
  if (raw && raw in ORDER) return raw as LogLevel;
  return process.env.VITEST ? 'warn' : 'info';
}

function emit(level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < ORDER[currentLevel()]) return;
  const extra = fields && Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
  process.stderr.write(`[${level}] ${msg}${extra}\n`);
}

/** The project logger. Messages go to stderr so stdout stays for command output. */
export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => emit('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => emit('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => emit('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => emit('error', msg, fields),
};
