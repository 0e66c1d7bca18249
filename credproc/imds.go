package credproc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// IMDSEndpoint describes where instance metadata lives, from the standard
// environment variables.
type IMDSEndpoint struct {
	URL      string // AWS_EC2_METADATA_SERVICE_ENDPOINT; empty for the default
	IPv6     bool   // AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6
	Disabled bool   // AWS_EC2_METADATA_DISABLED=true
}

// Base returns the endpoint's base URL.
func (e IMDSEndpoint) Base() string {
	switch {
	case e.URL != "":
		return strings.TrimRight(e.URL, "/")
	case e.IPv6:
		return "http://[fd00:ec2::254]"
	default:
		return "http://169.254.169.254"
	}
}

// MetadataHTTPClient is the HTTP client for instance metadata: a second to
// connect and a second to answer, and never a proxy (IMDS refuses proxied
// token requests, and a proxy would see the token).
func MetadataHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 2 * time.Second,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: time.Second}).DialContext,
			ResponseHeaderTimeout: time.Second,
			MaxIdleConnsPerHost:   2,
		},
	}
}

// IMDS provides the instance role's credentials from instance metadata,
// IMDSv2 only.
//
// It speaks the protocol itself rather than through the SDK's imds client:
// that client wraps token failures in an error without Unwrap, which hides
// the status and the timeout that tell "IMDSv1 only" and "hop limit too low"
// apart from "unreachable".
type IMDS struct {
	Endpoint IMDSEndpoint
	HTTP     *http.Client
	// Attempts bounds the tries of each call (default 3); Backoff is the
	// first pause between them (default 100 ms, doubling).
	Attempts int
	Backoff  time.Duration

	token string
}

// metadataError is a failed metadata call: which step, the HTTP status if
// any answer came, and the cause.
type metadataError struct {
	token  bool // the token PUT failed
	status int
	err    error
}

func (e *metadataError) Error() string {
	what := "GET"
	if e.token {
		what = "token PUT"
	}
	if e.status != 0 {
		return fmt.Sprintf("%s: HTTP %d", what, e.status)
	}
	return fmt.Sprintf("%s: %v", what, e.err)
}

func (e *metadataError) Unwrap() error { return e.err }

const credsPath = "iam/security-credentials/"

type imdsCreds struct {
	Code            string
	Message         string
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	Token           string
	Expiration      time.Time
}

// Retrieve implements aws.CredentialsProvider.
func (p *IMDS) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if p.Endpoint.Disabled {
		return aws.Credentials{}, Errorf(KindBase, "instance metadata is disabled by AWS_EC2_METADATA_DISABLED").
			WithHint("unset AWS_EC2_METADATA_DISABLED, or choose another source with --source env or --source profile:NAME")
	}
	roles, err := p.get(ctx, "/latest/meta-data/"+credsPath)
	if err != nil {
		return aws.Credentials{}, p.explain(ctx, "list instance roles", err)
	}
	role := strings.TrimSpace(strings.SplitN(roles, "\n", 2)[0])
	if role == "" {
		return aws.Credentials{}, noRole()
	}
	body, err := p.get(ctx, "/latest/meta-data/"+credsPath+role)
	if err != nil {
		return aws.Credentials{}, p.explain(ctx, fmt.Sprintf("read instance role %q", role), err)
	}
	return parseIMDSCreds(role, []byte(body))
}

// parseIMDSCreds reads the credentials document of an instance role. Its
// errors never quote the document: it holds the secret.
func parseIMDSCreds(role string, body []byte) (aws.Credentials, error) {
	var c imdsCreds
	if err := json.Unmarshal(body, &c); err != nil {
		return aws.Credentials{}, Errorf(KindBase, "instance role %q: malformed credentials document from instance metadata", role)
	}
	if !strings.EqualFold(c.Code, "Success") {
		return aws.Credentials{}, Errorf(KindBase, "instance role %q: instance metadata reports code %q", role, c.Code)
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" || c.Expiration.IsZero() {
		return aws.Credentials{}, Errorf(KindBase, "instance role %q: instance metadata returned incomplete credentials", role)
	}
	return aws.Credentials{
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.Token,
		CanExpire: true, Expires: c.Expiration, Source: "imds",
	}, nil
}

// InstanceID returns the instance id, for the default session name.
func (p *IMDS) InstanceID(ctx context.Context) (string, error) {
	return p.lookup(ctx, "/latest/meta-data/instance-id")
}

// Region returns the instance's region.
func (p *IMDS) Region(ctx context.Context) (string, error) {
	return p.lookup(ctx, "/latest/meta-data/placement/region")
}

func (p *IMDS) lookup(ctx context.Context, path string) (string, error) {
	if p.Endpoint.Disabled {
		return "", Errorf(KindBase, "instance metadata is disabled by AWS_EC2_METADATA_DISABLED")
	}
	s, err := p.get(ctx, path)
	if err != nil {
		return "", p.explain(ctx, "read "+path, err)
	}
	return strings.TrimSpace(s), nil
}

func (p *IMDS) get(ctx context.Context, path string) (string, error) {
	if p.token == "" {
		if err := p.retry(ctx, p.fetchToken); err != nil {
			return "", err
		}
	}
	var body string
	err := p.retry(ctx, func(ctx context.Context) error {
		var err error
		body, err = p.fetch(ctx, path)
		var me *metadataError
		if errors.As(err, &me) && me.status == http.StatusUnauthorized {
			// The token expired or the service restarted: one new token.
			if err := p.fetchToken(ctx); err != nil {
				return err
			}
			body, err = p.fetch(ctx, path)
		}
		return err
	})
	return body, err
}

// retry runs call up to Attempts times while it fails in a way worth
// retrying (no answer, or a 5xx).
func (p *IMDS) retry(ctx context.Context, call func(context.Context) error) error {
	attempts, pause := p.Attempts, p.Backoff
	if attempts <= 0 {
		attempts = 3
	}
	if pause <= 0 {
		pause = 100 * time.Millisecond
	}
	var err error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(pause):
			}
			pause *= 2
		}
		if err = call(ctx); err == nil {
			return nil
		}
		var me *metadataError
		if errors.As(err, &me) && me.status != 0 && me.status < 500 {
			return err
		}
	}
	return err
}

func (p *IMDS) fetchToken(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, p.Endpoint.Base()+"/latest/api/token", nil)
	if err != nil {
		return &metadataError{token: true, err: err}
	}
	req.Header.Set("X-aws-ec2-metadata-token-ttl-seconds", "21600")
	tok, status, err := p.do(req)
	if err != nil || status != http.StatusOK {
		return &metadataError{token: true, status: status, err: err}
	}
	p.token = tok
	return nil
}

func (p *IMDS) fetch(ctx context.Context, path string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.Endpoint.Base()+path, nil)
	if err != nil {
		return "", &metadataError{err: err}
	}
	req.Header.Set("X-aws-ec2-metadata-token", p.token)
	body, status, err := p.do(req)
	if err != nil || status != http.StatusOK {
		return "", &metadataError{status: status, err: err}
	}
	return body, nil
}

func (p *IMDS) do(req *http.Request) (string, int, error) {
	hc := p.HTTP
	if hc == nil {
		hc = MetadataHTTPClient()
	}
	resp, err := hc.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", 0, err
	}
	return string(b), resp.StatusCode, nil
}

// answers reports whether the endpoint answers a plain GET at all: it tells
// the container hop-limit case (token PUT lost, endpoint alive) from an
// unreachable endpoint. The answer (usually 401) carries nothing secret.
func (p *IMDS) answers(ctx context.Context) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.Endpoint.Base()+"/latest/meta-data/", nil)
	if err != nil {
		return false
	}
	_, status, err := p.do(req)
	return err == nil && status != 0
}

func noRole() *Error {
	return Errorf(KindBase, "no IAM role is attached to this instance").
		WithHint("attach an instance profile: aws ec2 associate-iam-instance-profile --instance-id ID --iam-instance-profile Name=PROFILE (xrole setup can create it)")
}

// explain turns a failed metadata call into an error that names the fix.
func (p *IMDS) explain(ctx context.Context, what string, err error) error {
	base := p.Endpoint.Base()
	var me *metadataError
	if !errors.As(err, &me) {
		return Errorf(KindBase, "%s: instance metadata at %s: %v", what, base, err)
	}
	switch {
	case me.token && (me.status == http.StatusForbidden || me.status == http.StatusMethodNotAllowed || me.status == http.StatusNotFound):
		return Errorf(KindBase, "instance metadata at %s refuses IMDSv2 tokens (HTTP %d); xrole never falls back to IMDSv1", base, me.status).
			WithHint("enable IMDSv2: aws ec2 modify-instance-metadata-options --instance-id ID --http-endpoint enabled --http-tokens required")
	case me.token && isTimeout(me.err) && ctx.Err() == nil && p.answers(ctx):
		return Errorf(KindBase, "instance metadata token request timed out, but %s answers: the IMDSv2 hop limit is too low for a container", base).
			WithHint("raise the hop limit: aws ec2 modify-instance-metadata-options --instance-id ID --http-put-response-hop-limit 2").
			WithHint("or run the container with host networking, or give it its own credentials")
	case me.status == http.StatusNotFound && strings.Contains(what, "instance role"):
		return noRole()
	case me.status >= 500:
		return Errorf(KindBase, "%s: instance metadata at %s failing with HTTP %d after retries", what, base, me.status)
	case me.status != 0:
		return Errorf(KindBase, "%s: instance metadata at %s answered HTTP %d", what, base, me.status)
	case ctx.Err() != nil:
		return Errorf(KindBase, "%s: instance metadata at %s: %v", what, base, ctx.Err())
	case isTimeout(me.err):
		return Errorf(KindBase, "%s: instance metadata at %s does not answer (timed out)", what, base).
			WithHint("not on EC2? choose another source with --source env or --source profile:NAME (profile key xrole_source)")
	default:
		return Errorf(KindBase, "%s: instance metadata at %s unreachable: %s", what, base, RootCause(me.err)).
			WithHint("not on EC2? choose another source with --source env or --source profile:NAME (profile key xrole_source)")
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// RootCause returns the innermost error's text, without the wrapping that
// repeats URLs and operation names.
func RootCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return err.Error()
		}
		err = u
	}
}

// Answers reports whether the metadata endpoint answers at all, for
// diagnosis (xrole doctor).
func (p *IMDS) Answers(ctx context.Context) bool { return p.answers(ctx) }

// Token fetches an IMDSv2 token, with the retries and the diagnosis of
// every other call.
func (p *IMDS) Token(ctx context.Context) error {
	if p.Endpoint.Disabled {
		return Errorf(KindBase, "instance metadata is disabled by AWS_EC2_METADATA_DISABLED")
	}
	if err := p.retry(ctx, p.fetchToken); err != nil {
		return p.explain(ctx, "token", err)
	}
	return nil
}

// RoleName returns the name of the instance's role.
func (p *IMDS) RoleName(ctx context.Context) (string, error) {
	if p.Endpoint.Disabled {
		return "", Errorf(KindBase, "instance metadata is disabled by AWS_EC2_METADATA_DISABLED")
	}
	roles, err := p.get(ctx, "/latest/meta-data/"+credsPath)
	if err != nil {
		return "", p.explain(ctx, "list instance roles", err)
	}
	role := strings.TrimSpace(strings.SplitN(roles, "\n", 2)[0])
	if role == "" {
		return "", noRole()
	}
	return role, nil
}
