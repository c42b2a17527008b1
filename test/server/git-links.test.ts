// Links from status commits to the Git host: GitHub and GitLab remotes in their URL forms,
// credentials never echoed, anything else unlinked.
import { describe, expect, it } from 'vitest';
import { commitWebUrl } from '../../src/server/git-links.ts';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('commitWebUrl', () => {
  it.each([
    ['https://github.com/example-org/policies.git', `https://github.com/example-org/policies/commit/${SHA}`],
    ['https://x-access-token:ghp_secret@github.com/example-org/policies', `https://github.com/example-org/policies/commit/${SHA}`],
    ['git@github.com:example-org/policies.git', `https://github.com/example-org/policies/commit/${SHA}`],
    ['ssh://git@github.com/example-org/policies.git', `https://github.com/example-org/policies/commit/${SHA}`],
    ['https://gitlab.com/group/sub/policies.git', `https://gitlab.com/group/sub/policies/-/commit/${SHA}`],
    ['git@gitlab.example.com:platform/policies.git', `https://gitlab.example.com/platform/policies/-/commit/${SHA}`],
  ])('%s', (remote, expected) => {
    expect(commitWebUrl(remote, SHA)).toBe(expected);
  });

  it.each(['/srv/git/policies.git', 'file:///srv/git/policies.git', 'https://git.example.com/policies.git', 'https://github.com/only-owner', 'javascript:alert(1)'])('no link for %s', (remote) => {
    expect(commitWebUrl(remote, SHA)).toBeUndefined();
  });

  it('no link for something that is not a commit id', () => {
    expect(commitWebUrl('https://github.com/o/r.git', '"><script>')).toBeUndefined();
  });
});
