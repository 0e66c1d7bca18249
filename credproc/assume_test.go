package credproc

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// stubSTS checks the request it gets and answers with out or err.
type stubSTS struct {
	t    *testing.T
	want sts.AssumeRoleInput
	out  *sts.AssumeRoleOutput
	err  error
	base aws.Credentials
}

func (s *stubSTS) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, opts ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	s.t.Helper()
	if aws.ToString(in.RoleArn) != aws.ToString(s.want.RoleArn) || aws.ToString(in.RoleSessionName) != aws.ToString(s.want.RoleSessionName) ||
		aws.ToInt32(in.DurationSeconds) != aws.ToInt32(s.want.DurationSeconds) || aws.ToString(in.ExternalId) != aws.ToString(s.want.ExternalId) {
		s.t.Errorf("AssumeRole input %+v, want %+v", in, s.want)
	}
	var o sts.Options
	for _, f := range opts {
		f(&o)
	}
	if o.Credentials == nil {
		s.t.Fatal("no credentials passed to the call")
	}
	got, _ := o.Credentials.Retrieve(ctx)
	if got != s.base {
		s.t.Errorf("call signed with %v, want the base credentials", got.AccessKeyID)
	}
	return s.out, s.err
}

func apiErr(code, msg string, status int) error {
	return &smithy.OperationError{ServiceID: "STS", OperationName: "AssumeRole", Err: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      &smithy.GenericAPIError{Code: code, Message: msg},
	}}
}

func TestAssume(t *testing.T) {
	base := aws.Credentials{AccessKeyID: "ASIABASE", SecretAccessKey: "base-secret", SessionToken: "base-token", Source: "imds"}
	role := Role{ARN: "arn:aws:iam::222222222222:role/deploy", ExternalID: "ext-1", SessionName: "i-0abc", Duration: 30 * time.Minute}
	want := sts.AssumeRoleInput{RoleArn: aws.String(role.ARN), RoleSessionName: aws.String("i-0abc"), DurationSeconds: aws.Int32(1800), ExternalId: aws.String("ext-1")}
	exp := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	good := &sts.AssumeRoleOutput{
		Credentials:     &types.Credentials{AccessKeyId: aws.String("ASIANEW"), SecretAccessKey: aws.String("new-secret"), SessionToken: aws.String("new-token"), Expiration: &exp},
		AssumedRoleUser: &types.AssumedRoleUser{Arn: aws.String("arn:aws:sts::222222222222:assumed-role/deploy/i-0abc")},
	}
	tests := map[string]struct {
		out     *sts.AssumeRoleOutput
		err     error
		kind    Kind
		message string
	}{
		"ok":             {out: good},
		"access denied":  {err: apiErr("AccessDenied", "User: x is not authorized", 403), kind: KindDenied, message: "access denied: User: x is not authorized"},
		"expired base":   {err: apiErr("ExpiredToken", "The security token included in the request is expired", 400), kind: KindBase, message: "have expired"},
		"invalid base":   {err: apiErr("InvalidClientTokenId", "nope", 403), kind: KindBase, message: "key ASIA****"},
		"too long":       {err: apiErr("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400), kind: KindConfig, message: "DurationSeconds"},
		"region off":     {err: apiErr("RegionDisabledException", "STS is not activated in this region", 403), kind: KindDenied, message: "not activated"},
		"throttled":      {err: apiErr("Throttling", "Rate exceeded", 400), kind: KindUnavailable, message: "throttled"},
		"server error":   {err: apiErr("InternalFailure", "oops", 500), kind: KindUnavailable, message: "HTTP 500"},
		"unreachable":    {err: &smithy.OperationError{ServiceID: "STS", OperationName: "AssumeRole", Err: errors.New("dial tcp: connection refused")}, kind: KindUnavailable, message: "unreachable"},
		"no credentials": {out: &sts.AssumeRoleOutput{}, kind: KindUnexpected, message: "without credentials"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			a := &Assume{Client: &stubSTS{t: t, want: want, out: tt.out, err: tt.err, base: base}, Base: Static{Creds: base}, Role: role, Endpoint: "https://sts.eu-west-1.amazonaws.com"}
			c, err := a.Retrieve(context.Background())
			if tt.message == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.AccessKeyID != "ASIANEW" || c.AccountID != "222222222222" || !c.CanExpire || !c.Expires.Equal(exp) {
					t.Fatalf("got %+v", c)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.message) {
				t.Fatalf("error %v, want one containing %q", err, tt.message)
			}
			if KindOf(err) != tt.kind {
				t.Errorf("kind %v, want %v", KindOf(err), tt.kind)
			}
			if strings.Contains(err.Error(), "base-secret") || strings.Contains(err.Error(), "ASIABASE") {
				t.Errorf("error leaks base credentials: %v", err)
			}
		})
	}
}

// A failing base stops before any STS call and keeps its own error.
func TestAssumeBaseFails(t *testing.T) {
	baseErr := Errorf(KindBase, "no IAM role is attached to this instance")
	a := &Assume{Client: nil, Base: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, baseErr }), Role: Role{ARN: "arn:aws:iam::222222222222:role/x"}}
	if _, err := a.Retrieve(context.Background()); !errors.Is(err, baseErr) {
		t.Fatalf("got %v", err)
	}
}
