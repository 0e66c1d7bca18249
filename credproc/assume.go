package credproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
)

// AssumeRoleAPI is the one STS call Assume needs.
type AssumeRoleAPI interface {
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, opts ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
}

// Assume provides role credentials: it takes credentials from Base and
// calls sts:AssumeRole with them.
type Assume struct {
	Client AssumeRoleAPI
	Base   aws.CredentialsProvider
	Role   Role
	// Endpoint names the STS endpoint in errors; it does not route calls.
	Endpoint string
	// TokenCode returns the MFA code when Role.MFASerial is set; it is
	// only called on the way to STS (never on a cache hit).
	TokenCode func(ctx context.Context) (string, error)
}

// Retrieve implements aws.CredentialsProvider.
func (a *Assume) Retrieve(ctx context.Context) (aws.Credentials, error) {
	base, err := a.Base.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String(a.Role.ARN),
		RoleSessionName: aws.String(a.Role.SessionName),
		DurationSeconds: aws.Int32(int32(a.Role.Duration / time.Second)),
	}
	if a.Role.ExternalID != "" {
		in.ExternalId = aws.String(a.Role.ExternalID)
	}
	for _, t := range a.Role.Tags {
		in.Tags = append(in.Tags, ststypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	in.TransitiveTagKeys = a.Role.TransitiveTagKeys
	if a.Role.SourceIdentity != "" {
		in.SourceIdentity = aws.String(a.Role.SourceIdentity)
	}
	for _, p := range a.Role.PolicyARNs {
		in.PolicyArns = append(in.PolicyArns, ststypes.PolicyDescriptorType{Arn: aws.String(p)})
	}
	if a.Role.Policy != "" {
		in.Policy = aws.String(a.Role.Policy)
	}
	if a.Role.MFASerial != "" {
		if a.TokenCode == nil {
			return aws.Credentials{}, Errorf(KindConfig, "role %s needs an MFA code and none was given", a.Role.ARN)
		}
		code, err := a.TokenCode(ctx)
		if err != nil {
			return aws.Credentials{}, err
		}
		in.SerialNumber = aws.String(a.Role.MFASerial)
		in.TokenCode = aws.String(code)
	}
	out, err := a.Client.AssumeRole(ctx, in, func(o *sts.Options) {
		o.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return base, nil })
	})
	if err != nil {
		return aws.Credentials{}, a.explain(base, err)
	}
	c := out.Credentials
	if c == nil || c.AccessKeyId == nil || c.SecretAccessKey == nil || c.Expiration == nil {
		return aws.Credentials{}, Errorf(KindUnexpected, "assume %q: STS answered without credentials", a.Role.ARN)
	}
	account := a.Role.AccountID()
	if out.AssumedRoleUser != nil {
		if id := arnAccount(aws.ToString(out.AssumedRoleUser.Arn)); id != "" {
			account = id
		}
	}
	return aws.Credentials{
		AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: aws.ToString(c.SessionToken),
		CanExpire: true, Expires: c.Expiration.UTC(), AccountID: account, Source: "xrole:assume",
	}, nil
}

// arnAccount returns the account field of an ARN.
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 {
		return parts[4]
	}
	return ""
}

// explain classifies an STS failure and names the likely fix. AWS's own
// message is kept: it names the caller and the resource, never a secret.
func (a *Assume) explain(base aws.Credentials, err error) error {
	var own *Error
	if errors.As(err, &own) {
		return err
	}
	arn := a.Role.ARN
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, msg := ae.ErrorCode(), ae.ErrorMessage()
		switch {
		case code == "AccessDenied":
			e := Errorf(KindDenied, "assume %q: access denied: %s", arn, msg)
			if a.Role.MFASerial != "" {
				e.WithHint("check the MFA code (it changes every 30 seconds) and that %s is the role's MFA device", a.Role.MFASerial)
			}
			if a.Role.ExternalID == "" {
				e.WithHint("if the role's trust policy requires sts:ExternalId, pass --external-id (profile key xrole_external_id)")
			} else {
				e.WithHint("check that the external id matches the role's trust policy condition sts:ExternalId")
			}
			return e.WithHint("the target role's trust policy must allow the caller, and the caller's policy must allow sts:AssumeRole on %s", arn)
		case code == "ExpiredToken" || code == "ExpiredTokenException":
			return Errorf(KindBase, "assume %q: the base credentials (%s) have expired", arn, base.Source)
		case code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch" || code == "UnrecognizedClientException":
			return Errorf(KindBase, "assume %q: STS rejects the base credentials (%s, key %s): %s", arn, base.Source, RedactKeyID(base.AccessKeyID), code)
		case code == "RegionDisabledException":
			return Errorf(KindDenied, "assume %q: %s", arn, msg).
				WithHint("activate STS in this region (IAM console, Account settings) or choose another --region")
		case code == "ValidationError" && strings.Contains(msg, "DurationSeconds"):
			return Errorf(KindConfig, "assume %q: %s", arn, msg).
				WithHint("lower --duration (profile key xrole_duration) or raise the role's MaxSessionDuration")
		case code == "ValidationError" || code == "MalformedPolicyDocument" || code == "PackedPolicyTooLarge":
			return Errorf(KindConfig, "assume %q: %s: %s", arn, code, msg)
		case retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool():
			return Errorf(KindUnavailable, "assume %q: STS throttled the call after retries: %s", arn, code).
				WithHint("too many callers at once: enable the cache (--cache auto) or retry later")
		}
		if status := httpStatus(err); status >= 500 {
			return Errorf(KindUnavailable, "assume %q: STS at %s failing with HTTP %d after retries: %s", arn, a.Endpoint, status, code)
		}
		return Errorf(KindUnexpected, "assume %q: %s: %s", arn, code, msg)
	}
	if status := httpStatus(err); status >= 500 {
		return Errorf(KindUnavailable, "assume %q: STS at %s failing with HTTP %d after retries", arn, a.Endpoint, status)
	}
	var ne net.Error
	var op *smithy.OperationError
	if errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded) || errors.As(err, &op) {
		return Errorf(KindUnavailable, "assume %q: STS at %s unreachable: %s", arn, a.Endpoint, RootCause(err)).
			WithHint("check network access to the STS endpoint (a VPC endpoint for STS, or a proxy via HTTPS_PROXY)")
	}
	return fmt.Errorf("assume %q: %w", arn, err)
}

func httpStatus(err error) int {
	var se interface{ HTTPStatusCode() int }
	if errors.As(err, &se) {
		return se.HTTPStatusCode()
	}
	return 0
}

// STSConfig says how to reach STS.
type STSConfig struct {
	Region string
	// Endpoint is the resolved endpoint URL; empty means the regional default.
	Endpoint string
	HTTP     *http.Client
	// MaxAttempts bounds the tries of one call, throttling included (default 5).
	MaxAttempts int
	// Credentials signs every call; nil leaves them to each call (Assume
	// passes the base credentials per call).
	Credentials aws.CredentialsProvider
}

// NewRetryer is the retry policy of xrole's AWS clients: standard retries
// with backoff on throttling and 5xx, at most attempts tries (default 5),
// pauses of at most 2 s.
func NewRetryer(attempts int) aws.Retryer {
	if attempts <= 0 {
		attempts = 5
	}
	return retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = attempts
		o.MaxBackoff = 2 * time.Second
	})
}

// NewSTSClient builds an STS client explicitly: the given region and
// endpoint, and NewRetryer's retries.
func NewSTSClient(c STSConfig) *sts.Client {
	hc := c.HTTP
	if hc == nil {
		hc = AWSHTTPClient()
	}
	o := sts.Options{
		Region:      c.Region,
		HTTPClient:  hc,
		Retryer:     NewRetryer(c.MaxAttempts),
		Credentials: c.Credentials,
	}
	if c.Endpoint != "" {
		o.BaseEndpoint = aws.String(c.Endpoint)
	}
	return sts.New(o)
}

// AWSHTTPClient is the HTTP client for AWS APIs: it honours HTTPS_PROXY and
// friends, and bounds every attempt.
func AWSHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   5 * time.Second,
			ResponseHeaderTimeout: 10 * time.Second,
			ForceAttemptHTTP2:     true,
		},
	}
}

// RegionalEndpointHost returns the default STS host for a region, for messages.
func RegionalEndpointHost(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "https://sts." + region + ".amazonaws.com.cn"
	}
	return "https://sts." + region + ".amazonaws.com"
}
