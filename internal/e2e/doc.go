// Package e2e runs the real xrole binary, as users run it, against
// moto_server, the trust-enforcing STS guard and the IMDSv2 fake, all on
// loopback. It holds tests only.
package e2e
