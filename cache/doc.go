// Package cache keeps role credentials between runs of xrole, so that the
// AWS CLI and SDKs, which run a credential_process again and again and never
// cache its output, cost one AssumeRole per session rather than one per call.
//
// Promises:
//   - a hit reads one entry and makes no network call and no SDK client;
//   - an entry is served only while more than the refresh window remains,
//     and expired credentials are never served;
//   - keys are fixed-length hashes of everything that changes the
//     credentials, never a secret; the expiry lives in the value, and a
//     value of another version, corrupt, truncated or not owned by the user
//     is a miss and is replaced;
//   - one refresh per key at a time across processes (an flock per key,
//     released by the kernel if its holder dies); a waiter gives up after a
//     bound with ErrLockTimeout;
//   - a store that cannot be written still lets the caller return the
//     credentials: the failure becomes one warning;
//   - nothing here prompts or writes to stdout (a prompt inside a
//     credential_process is invisible and hangs its caller), and no D-Bus
//     connection is made unless a D-Bus backend is chosen.
//
// The package knows nothing about STS: the cold path is a function it is
// given.
package cache
