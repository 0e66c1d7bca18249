package credproc

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Env provides credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN, read through Getenv (the process environment in main,
// a map in tests).
type Env struct {
	Getenv func(string) string
}

// Retrieve implements aws.CredentialsProvider.
func (e Env) Retrieve(context.Context) (aws.Credentials, error) {
	id, secret := e.Getenv("AWS_ACCESS_KEY_ID"), e.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		return aws.Credentials{}, Errorf(KindBase, "source env: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set").
			WithHint("export them, or choose another source with --source imds or --source profile:NAME")
	}
	return aws.Credentials{
		AccessKeyID: id, SecretAccessKey: secret, SessionToken: e.Getenv("AWS_SESSION_TOKEN"), Source: "env",
	}, nil
}

// Static provides fixed credentials, such as a profile's aws_access_key_id.
type Static struct {
	Creds aws.Credentials
}

// Retrieve implements aws.CredentialsProvider.
func (s Static) Retrieve(context.Context) (aws.Credentials, error) { return s.Creds, nil }
