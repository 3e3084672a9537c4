import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where each scenario appends its figures; the fault suite's global teardown summarises them. */
export const figuresFile = '.data/faults/figures.jsonl';

/** One scenario's outcome, as printed and as summarised in docs/reliability.md. */
export interface ScenarioFigures {
  scenario: string;
  figures: Record<string, number | string | boolean>;
}

/** Prints a scenario's figures and keeps them for the run's summary. */
export function recordFigures(scenario: string, figures: ScenarioFigures['figures']): void {
  const line: ScenarioFigures = { scenario, figures };
  console.log(`\n[fault figures] ${scenario}\n${JSON.stringify(figures, null, 2)}`);
  mkdirSync(dirname(figuresFile), { recursive: true });
  appendFileSync(figuresFile, `${JSON.stringify(line)}\n`);
}

/** The `p`-th percentile (0–100) of `values`, nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Milliseconds rounded to whole numbers, for figures. */
export const ms = (value: number) => Math.round(value);
