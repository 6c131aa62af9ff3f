/**
 * EventBridge Scheduler's recurring schedule expressions: rate() and cron(); one-time
 * at() schedules do not repeat, so the pipeline does not take them.
 */

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
// cron(min hour day-of-month month day-of-week year): six fields, one of day fields is "?".
const CRON = /^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$/;

/** Checks an EventBridge Scheduler expression; returns why it is invalid, or undefined. */
export function scheduleProblem(expression: string): string | undefined {
  const rate = RATE.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) return "a rate must be at least 1";
    const singular = !rate[2].endsWith("s");
    if (n === 1 && !singular) return `use "rate(1 ${rate[2].slice(0, -1)})" for a value of 1`;
    if (n > 1 && singular) return `use "rate(${n} ${rate[2]}s)" for a value above 1`;
    return undefined;
  }
  const cron = CRON.exec(expression);
  if (cron) {
    const dayOfMonth = cron[3];
    const dayOfWeek = cron[5];
    if ((dayOfMonth === "?") === (dayOfWeek === "?")) return "exactly one of day-of-month and day-of-week must be ?";
    return undefined;
  }
  if (expression.startsWith("at(")) return "one-time at(...) schedules do not repeat";
  return 'must be "rate(N minute|minutes|hour|hours|day|days)" or "cron(min hour day-of-month month day-of-week year)"';
}
