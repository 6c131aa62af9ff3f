/**
 * EventBridge Scheduler's recurring schedule expressions, checked as the service
 * documents them, so an expression it would refuse fails the config rather than the
 * deploy: https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
 * (rate-based and cron-based schedules; one-time at() schedules do not repeat, so the
 * pipeline does not take them).
 */

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const CRON = /^cron\((.*)\)$/;

interface CronField {
  name: string;
  min: number;
  max: number;
  /** Names accepted for the values min..max, in order (JAN-DEC, SUN-SAT). */
  names?: readonly string[];
  /** The wildcards the field accepts, as the documentation's table lists them. */
  wildcards: string;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

/** The six fields of cron(minutes hours day-of-month month day-of-week year), from the documentation's table. */
export const CRON_FIELDS: readonly CronField[] = [
  { name: "minutes", min: 0, max: 59, wildcards: ", - * /" },
  { name: "hours", min: 0, max: 23, wildcards: ", - * /" },
  { name: "day-of-month", min: 1, max: 31, wildcards: ", - * ? / L W" },
  { name: "month", min: 1, max: 12, names: MONTHS, wildcards: ", - * /" },
  { name: "day-of-week", min: 1, max: 7, names: DAYS, wildcards: ", - * ? L #" },
  { name: "year", min: 1970, max: 2199, wildcards: ", - * /" },
];

function isValue(token: string, field: CronField): boolean {
  if (/^\d+$/.test(token)) return Number(token) >= field.min && Number(token) <= field.max;
  return field.names?.includes(token.toUpperCase()) ?? false;
}

function isRangeOrValue(token: string, field: CronField): boolean {
  const range = /^([^-]+)-([^-]+)$/.exec(token);
  if (range && field.wildcards.includes("-")) return isValue(range[1], field) && isValue(range[2], field);
  return isValue(token, field);
}

/** One comma-separated item of a field. */
function isItem(item: string, field: CronField): boolean {
  const accepts = (wildcard: string) => field.wildcards.split(" ").includes(wildcard);
  if (item === "*" || (item === "L" && accepts("L"))) return true;
  const increment = /^(.+)\/(\d+)$/.exec(item);
  if (increment && accepts("/"))
    return Number(increment[2]) >= 1 && (increment[1] === "*" || isRangeOrValue(increment[1], field));
  // nW: the weekday nearest day n of the month.
  const weekday = /^(\d+)W$/.exec(item);
  if (weekday && accepts("W")) return isValue(weekday[1], field);
  // d#n: the n-th day d of the month; a month has at most five of each weekday.
  const nth = /^([^#]+)#([1-5])$/.exec(item);
  if (nth && accepts("#")) return isValue(nth[1], field);
  return isRangeOrValue(item, field);
}

function fieldProblem(value: string, field: CronField): string | undefined {
  const allowed =
    `values ${field.min}-${field.max}` +
    (field.names ? ` or ${field.names[0]}-${field.names[field.names.length - 1]}` : "") +
    `, wildcards ${field.wildcards}`;
  const problem = `the ${field.name} field "${value}" is not valid (${allowed})`;
  if (value === "?") return field.wildcards.includes("?") ? undefined : problem;
  const items = value.split(",");
  // "#" picks one day, so it cannot be part of a list (the documentation's "3#1,6#3" example).
  if (value.includes("#") && items.length > 1) return `${problem}: a "#" expression cannot be part of a list`;
  return items.every((item) => isItem(item, field)) ? undefined : problem;
}

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
  const fields = cron?.[1].split(" ");
  if (fields?.length === CRON_FIELDS.length) {
    for (const [i, field] of CRON_FIELDS.entries()) {
      const problem = fieldProblem(fields[i], field);
      if (problem) return problem;
    }
    // "You can't specify the Day-of-month and Day-of-week fields in the same cron expression."
    if ((fields[2] === "?") === (fields[4] === "?")) return "exactly one of day-of-month and day-of-week must be ?";
    return undefined;
  }
  if (expression.startsWith("at(")) return "one-time at(...) schedules do not repeat";
  return 'must be "rate(N minute|minutes|hour|hours|day|days)" or "cron(min hour day-of-month month day-of-week year)"';
}
