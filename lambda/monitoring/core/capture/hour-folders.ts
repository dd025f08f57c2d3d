/**
 * SageMaker writes capture files into hour folders, `yyyy/mm/dd/hh/` (UTC), by the time of the
 * request; `CollectData` does the same. A window reads the folders of every hour it overlaps.
 */
const HOUR_MS = 3600_000;

export function hourFolders(start: number, end: number): string[] {
  const folders: string[] = [];
  for (let hour = Math.floor(start / HOUR_MS) * HOUR_MS; hour < end; hour += HOUR_MS) folders.push(hourFolder(hour));
  return folders;
}

export function hourFolder(time: number): string {
  const iso = new Date(time).toISOString();
  return `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(11, 13)}/`;
}

/** Capture folders hold either hour folders (`2026/...`) or, for SageMaker, one folder per variant first. */
export const isYearFolder = (name: string) => /^\d{4}\/$/.test(name);
