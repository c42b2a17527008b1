// Links from a status commit to its page on the Git host, when the policy repository lives on
// GitHub or GitLab. Never echoes credentials embedded in the remote URL.

/** https://<host>/<path> of a remote on GitHub or GitLab, or undefined for any other remote. */
export function repoWebUrl(remote: string): string | undefined {
  let host: string;
  let path: string;
  const scp = /^[\w.-]+@([\w.-]+):(?!\/)(.+)$/.exec(remote);
  if (scp) {
    [, host, path] = scp as unknown as [string, string, string];
  } else {
    let url: URL;
    try {
      url = new URL(remote);
    } catch {
      return undefined;
    }
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(url.protocol)) return undefined;
    host = url.hostname;
    path = url.pathname.replace(/^\/+/, '');
  }
  path = path.replace(/\.git\/?$/, '').replace(/\/+$/, '');
  if (!/^[\w.-]+(\/[\w.-]+)+$/.test(path)) return undefined;
  if (host === 'github.com' || /(^|\.)gitlab\./.test(host) || host === 'gitlab.com') return `https://${host}/${path}`;
  return undefined;
}

export function commitWebUrl(remote: string, sha: string): string | undefined {
  const base = repoWebUrl(remote);
  if (!base || !/^[0-9a-f]{7,64}$/.test(sha)) return undefined;
  return base.startsWith('https://github.com/') ? `${base}/commit/${sha}` : `${base}/-/commit/${sha}`;
}
