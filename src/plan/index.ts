// The plan's public surface: compute, summarize, format.
export { computePlan, DEFAULT_INCOMPLETE_CLEANUP_AFTER_MS } from './plan.ts';
export { describeAction, formatPlan, summarizePlan, summaryLine } from './format.ts';
export { defaultMaxDeletions } from './guard.ts';
export * from './types.ts';
