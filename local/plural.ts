/** A count with its noun in the right number: "1 message", "2 messages", "0 branches". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
