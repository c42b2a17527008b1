// Types of scripts/bundle.mjs for the TypeScript benchmarks that call it.
export declare const ROOT: string;
export declare function bundle(opts: { entryPoints: string[]; outdir: string; outbase: string }): Promise<unknown>;
