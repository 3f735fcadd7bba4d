/** One thing Calico's validator would reject, located by its path in the reviewed object. */
export interface Issue {
  path: string;
  message: string;
}

export class Issues {
  readonly list: Issue[] = [];

  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
}

export function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}
