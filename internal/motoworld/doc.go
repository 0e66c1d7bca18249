// Package motoworld runs real AWS stand-ins on loopback for tests and the
// demo: moto_server (STS, IAM, EC2, several accounts), a two-account world
// built in it through the AWS APIs, and Guard, an STS front that enforces
// what moto does not: the target role's trust policy (principal and
// sts:ExternalId) and the caller's identity policy for sts:AssumeRole.
//
// It never talks to AWS: every client it builds points at moto's loopback
// address and carries fake static credentials.
package motoworld
