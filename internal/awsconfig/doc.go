// Package awsconfig reads profiles from the AWS shared config and
// credentials files, with the parsing rules of botocore (which the AWS CLI
// uses): keys are case-insensitive, there are no inline comments, and
// indented lines continue a nested value.
//
// It only reads; it never writes and never looks at the network.
package awsconfig
