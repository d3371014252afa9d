/**
 * Reads while the database is away: every read is answered from the watch cache, which may then
 * lack writes made through other replicas. Such answers say so in `extensions.stale`
 * (`{ since, resourceVersion }`: since when the change log could not be read, and the last
 * change applied). Writes fail with UNAVAILABLE meanwhile.
 */
import type { Plugin } from 'graphql-yoga';
import type { ChangeFollower } from '../changelog/follower.js';

export function useStaleMarker(follower: ChangeFollower): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          const since = follower.staleSince;
          if (!since || !result || Symbol.asyncIterator in result) return;
          const stale = { since: since.toISOString(), resourceVersion: String(follower.resourceVersion) };
          setResult({ ...result, extensions: { ...result.extensions, stale } });
        },
      };
    },
  };
}
