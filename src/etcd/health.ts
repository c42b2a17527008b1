// The health check before a snapshot (RKE, KKP): every endpoint answers a status call; they
// all report one cluster id; a leader exists; no alarm (NOSPACE, CORRUPT) is raised; a quorum
// of the members is healthy. A backup of a sick cluster fails naming the member and what is
// wrong; one dead member of three still allows it, with a warning that names it.
import type { IMember, IStatusResponse } from 'etcd3';
import type { EtcdMemberClient } from './connect.ts';

const STATUS_TIMEOUT_MS = 5000;

export interface MemberReport {
  endpoint: string;
  /** Hex member id, as etcdctl prints it. */
  id?: string;
  name?: string;
  status?: IStatusResponse;
  /** Why the endpoint did not answer. */
  error?: string;
}

export interface HealthReport {
  ok: boolean;
  clusterId?: string;
  leaderId?: string;
  /** Members the cluster knows (member list), healthy or not. */
  memberCount: number;
  members: MemberReport[];
  /** Alarms raised, e.g. "NOSPACE on etcd-2 (8e9e05c52164694d)". */
  alarms: string[];
  /** Why the backup must not be taken (empty when ok). */
  problems: string[];
  /** Tolerated: a dead member while a quorum is healthy. */
  warnings: string[];
  /** The member to snapshot (ok only). */
  pick?: MemberReport;
  /** Why that member. */
  pickReason?: string;
  /** The member list, as the cluster reports it. */
  cluster: { id: string; name: string; peerURLs: string[]; clientURLs: string[] }[];
}

export const hexId = (decimal: string | undefined): string | undefined => (decimal && decimal !== '0' ? BigInt(decimal).toString(16) : undefined);

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000}s`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function describeError(err: unknown): string {
  const m = ((err as Error).message ?? String(err)).split('\n')[0];
  // gRPC wraps the socket error in its own words; the socket error is what a reader needs.
  const socket = /Last error: (?:Error: )?(.*?)(?:\. Resolution note:.*)?$/.exec(m)?.[1];
  if (socket) return `unreachable (${socket})`;
  return m.replace(/^\d+ [A-Z_]+: /, '');
}

function label(m: MemberReport): string {
  return m.name ? `${m.name} (${m.endpoint})` : m.endpoint;
}

/** Asks every member for its status and the member list, then judges (evaluateHealth). */
export async function checkHealth(members: EtcdMemberClient[]): Promise<HealthReport> {
  const reports = await Promise.all(
    members.map(async ({ endpoint, client }): Promise<MemberReport> => {
      try {
        const status = await withTimeout(client.maintenance.status(), STATUS_TIMEOUT_MS, endpoint);
        return { endpoint, id: hexId(status.header.member_id), status };
      } catch (err) {
        return { endpoint, error: describeError(err) };
      }
    }),
  );
  // The member list (served by the member itself, no quorum needed) names the members and
  // counts them: the quorum is of the cluster's members, not of the endpoints written in Git.
  let list: IMember[] | undefined;
  for (const [i, r] of reports.entries()) {
    if (!r.status) continue;
    try {
      list = (await withTimeout(members[i].client.cluster.memberList({}), STATUS_TIMEOUT_MS, r.endpoint)).members;
      break;
    } catch {
      // try the next member that answered
    }
  }
  return evaluateHealth(reports, list);
}

/** The judgement, from what the members answered. Pure. */
export function evaluateHealth(reports: MemberReport[], list: IMember[] | undefined): HealthReport {
  const names = new Map((list ?? []).map((m) => [hexId(m.ID)!, m.name]));
  for (const r of reports) {
    if (r.id) r.name = names.get(r.id) || r.name;
    // A member that did not answer is named by the member list, through its client URLs.
    else r.name = list?.find((m) => m.clientURLs.some((u) => u.replace(/\/$/, '') === r.endpoint))?.name || r.name;
  }
  const problems: string[] = [];
  const warnings: string[] = [];
  const alarms: string[] = [];
  const up = reports.filter((r) => r.status);
  const down = reports.filter((r) => !r.status);
  const memberCount = list?.length ?? reports.length;
  const quorum = Math.floor(memberCount / 2) + 1;

  const clusterIds = [...new Set(up.map((r) => hexId(r.status!.header.cluster_id)))];
  if (clusterIds.length > 1) {
    problems.push(`the endpoints belong to different etcd clusters: ${up.map((r) => `${label(r)} is in cluster ${hexId(r.status!.header.cluster_id)}`).join(', ')}`);
  }
  // Members the list knows but no endpoint reached (an endpoint missing from spec.etcd, or down).
  const reached = new Set(up.map((r) => r.id));
  const unreached = (list ?? []).filter((m) => !reached.has(hexId(m.ID)) && !down.some((d) => m.clientURLs.includes(d.endpoint)));

  const healthy: MemberReport[] = [];
  for (const r of up) {
    const errs = r.status!.errors ?? [];
    // Alarms are cluster-wide (every member reports all of them): "memberID:<id> alarm:NOSPACE".
    for (const e of errs.filter((x) => /alarm:/.test(x))) {
      const kind = /alarm:\s*(\w+)/.exec(e)?.[1] ?? e;
      const on = /memberID:\s*(\d+)/.exec(e)?.[1];
      const id = on ? hexId(on) : r.id;
      const who = reports.find((x) => x.id === id);
      const text = `${kind} alarm raised on ${who ? label(who) : (names.get(id ?? '') ?? id)}${kind === 'NOSPACE' ? ' (the database exceeded its quota: compact, defragment and disarm it)' : ''}`;
      if (!alarms.includes(text)) alarms.push(text);
    }
    const other = errs.filter((x) => !/alarm:/.test(x));
    if (other.length > 0) problems.push(`${label(r)}: ${other.join('; ')}`);
    else if (r.status!.leader === '0') problems.push(`${label(r)}: has no leader`);
    else healthy.push(r);
  }
  problems.push(...alarms);

  const leaders = [...new Set(up.map((r) => r.status!.leader).filter((l) => l && l !== '0'))];
  if (up.length > 0 && leaders.length === 0) problems.push('no leader: no member reports one');
  if (leaders.length > 1) problems.push(`the members disagree on the leader (${leaders.map(hexId).join(', ')})`);

  const deadNames = [...down.map((d) => `${label(d)} ${d.error?.startsWith('unreachable') ? d.error : `did not answer: ${d.error}`}`), ...unreached.map((m) => `${m.name || hexId(m.ID)} (${m.clientURLs.join(', ') || 'not started'}) is not among spec.etcd.endpoints`)];
  if (healthy.length < quorum) {
    problems.push(`no quorum: ${healthy.length} of ${memberCount} members healthy, ${quorum} needed${deadNames.length ? `; ${deadNames.join('; ')}` : ''}`);
  } else {
    for (const d of deadNames) warnings.push(`etcd member ${d}; the backup proceeds on a quorum of ${healthy.length} of ${memberCount}`);
  }

  const ok = problems.length === 0;
  const cluster = (list ?? []).map((m) => ({ id: hexId(m.ID) ?? m.ID, name: m.name, peerURLs: [...m.peerURLs], clientURLs: [...m.clientURLs] }));
  const report: HealthReport = { ok, memberCount, cluster, members: reports, alarms, problems, warnings, ...(clusterIds.length === 1 ? { clusterId: clusterIds[0] } : {}), ...(leaders.length === 1 ? { leaderId: hexId(leaders[0]) } : {}) };
  if (!ok) return report;
  // A follower spares the leader the snapshot's disk and network load; among followers, the
  // most caught-up one (highest applied index) gives the newest snapshot.
  const followers = healthy.filter((r) => r.status!.leader !== r.status!.header.member_id && !r.status!.isLearner);
  const byApplied = (a: MemberReport, b: MemberReport) => Number(BigInt(b.status!.raftAppliedIndex) - BigInt(a.status!.raftAppliedIndex));
  if (followers.length > 0) {
    report.pick = [...followers].sort(byApplied)[0];
    report.pickReason = 'a healthy follower (spares the leader), the most caught-up one';
  } else {
    report.pick = healthy[0];
    report.pickReason = memberCount === 1 ? 'the only member' : 'the only healthy member is the leader';
  }
  return report;
}
