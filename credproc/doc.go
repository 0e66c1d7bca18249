// Package credproc turns base credentials into cross-account role
// credentials and renders them for the AWS credential_process protocol.
//
// Every stage is an aws.CredentialsProvider: IMDS (IMDSv2 only), Env,
// Static, Process and Assume. Assume wraps another provider, so role
// chaining (hub then spoke) is one Assume around another.
//
// Promises:
//   - base credentials come only from the provider the caller configured;
//     there is no silent fallback (not to IMDSv1, not to another source);
//   - every network call runs under the caller's context and has a short
//     per-attempt deadline and a bounded number of retries;
//   - errors that callers must branch on are *Error values with a Kind,
//     which the CLI maps to exit codes;
//   - secrets never appear in error text, and Document redacts itself
//     when formatted with %v, %+v, %#v or %s.
//
// The package never prints and knows nothing about the CLI or the cache.
package credproc
