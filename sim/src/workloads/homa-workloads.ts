/**
 * The Homa SIGCOMM 2018 message-size workloads W1–W5 (`sim/data/homa-wN.csv`, see
 * `sim/data/README.md` for their origin and licence): the loader, which reads a file once into a
 * {@link SizeDistribution}, and the published facts (points, largest size, mean) each load is
 * checked against so that a truncated or edited data file fails loudly instead of skewing results.
 * The files are read from this package's own `data/` folder, never from outside it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@dcq/core';
import { parseSizeDistributionCsv, type SizeDistribution } from './size-distribution.js';

/** The names of the five Homa workloads. */
export type HomaWorkloadName = 'w1' | 'w2' | 'w3' | 'w4' | 'w5';

/** All Homa workload names, in order. */
export const HOMA_WORKLOAD_NAMES: readonly HomaWorkloadName[] = ['w1', 'w2', 'w3', 'w4', 'w5'];

/** What `sim/data/README.md` states about one workload. */
export interface HomaWorkloadFacts {
  /** Number of (size, weight) points in the file. */
  readonly points: number;
  /** Largest message size, bytes. */
  readonly maxBytes: number;
  /** Mean message size as stated (rounded), bytes. */
  readonly statedMeanBytes: number;
  /** How the workload is commonly described. */
  readonly description: string;
}

/** The table of `sim/data/README.md`. */
export const HOMA_WORKLOAD_FACTS: Readonly<Record<HomaWorkloadName, HomaWorkloadFacts>> = {
  w1: { points: 300, maxBytes: 100_000, statedMeanBytes: 189, description: 'key-value store (tiny RPCs)' },
  w2: { points: 152, maxBytes: 3_529_904, statedMeanBytes: 442, description: 'search RPCs' },
  w3: { points: 842, maxBytes: 15_158_197, statedMeanBytes: 2_928, description: 'all RPCs of a large cluster' },
  w4: { points: 460, maxBytes: 10_000_000, statedMeanBytes: 127_797, description: 'Hadoop-like mixed' },
  w5: {
    points: 400,
    maxBytes: 29_400_000,
    statedMeanBytes: 2_564_690,
    description: 'web search (DCTCP), large flows',
  },
};

/** Largest relative difference allowed between a loaded file's mean and its stated mean (0.1%). */
export const HOMA_MEAN_RELATIVE_TOLERANCE = 1e-3;

/** The `sim/data` folder of this package (resolved from this module's location, in `src/` or `dist/`). */
export function simDataDirectory(): string {
  return fileURLToPath(new URL('../../data/', import.meta.url));
}

/**
 * Checks a loaded distribution against the stated facts of `name`; throws an
 * {@link InvalidArgumentError} saying what differs.
 */
export function checkHomaWorkload(name: HomaWorkloadName, distribution: SizeDistribution): void {
  const facts = HOMA_WORKLOAD_FACTS[name];
  if (distribution.pointCount !== facts.points || distribution.maxBytes !== facts.maxBytes) {
    throw new InvalidArgumentError(
      `homa workload ${name} has ${distribution.pointCount} points up to ${distribution.maxBytes} B; ` +
        `expected ${facts.points} points up to ${facts.maxBytes} B: restore sim/data/homa-${name}.csv`,
    );
  }
  const relative = Math.abs(distribution.meanBytes - facts.statedMeanBytes) / facts.statedMeanBytes;
  if (!(relative <= HOMA_MEAN_RELATIVE_TOLERANCE)) {
    throw new InvalidArgumentError(
      `homa workload ${name} has mean ${distribution.meanBytes} B, stated ~${facts.statedMeanBytes} B: ` +
        `restore sim/data/homa-${name}.csv`,
    );
  }
}

/**
 * Reads and parses `homa-<name>.csv` (from {@link simDataDirectory} unless `dataDirectory` is
 * given) and checks it with {@link checkHomaWorkload}. The distribution is named `W1`…`W5`. Call it
 * once at start-up and share the result: sampling never touches the file again.
 */
export function loadHomaWorkload(
  name: HomaWorkloadName,
  options?: { readonly dataDirectory?: string },
): SizeDistribution {
  if (!HOMA_WORKLOAD_NAMES.includes(name)) {
    throw new InvalidArgumentError(`homa workload must be one of ${HOMA_WORKLOAD_NAMES.join(', ')}, got ${name}`);
  }
  const directory = options?.dataDirectory ?? simDataDirectory();
  const separator = directory.endsWith('/') ? '' : '/';
  const text = readFileSync(`${directory}${separator}homa-${name}.csv`, 'utf8');
  const distribution = parseSizeDistributionCsv(text, name.toUpperCase());
  checkHomaWorkload(name, distribution);
  return distribution;
}

/** Loads all five workloads ({@link loadHomaWorkload}), keyed by name. */
export function loadHomaWorkloads(options?: {
  readonly dataDirectory?: string;
}): Readonly<Record<HomaWorkloadName, SizeDistribution>> {
  return {
    w1: loadHomaWorkload('w1', options),
    w2: loadHomaWorkload('w2', options),
    w3: loadHomaWorkload('w3', options),
    w4: loadHomaWorkload('w4', options),
    w5: loadHomaWorkload('w5', options),
  };
}
