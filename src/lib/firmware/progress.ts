/** Progress reports of long jobs; a leaf module, so any part of the core can report. */
export interface Progress {
  /** What is being done, e.g. 'parse', 'compress'. */
  phase: string;
  done: number;
  total: number;
}

export type ProgressCallback = (p: Progress) => void;
