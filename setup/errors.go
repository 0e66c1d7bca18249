package setup

import (
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"

	"github.com/xrole/xrole/credproc"
)

func usage(format string, args ...any) *credproc.Error {
	return credproc.Errorf(credproc.KindConfig, format, args...)
}

// fail explains a failed call: which side and account, which call on what,
// and for a denial, which permission the caller lacks. nil stays nil.
func (s *Side) fail(call, resource string, err error) error {
	if err == nil {
		return nil
	}
	where := s.Name + " side"
	if s.Account != "" {
		where = fmt.Sprintf("%s account %s", s.Name, s.Account)
	}
	on := ""
	if resource != "" {
		on = " on " + resource
	}
	who := s.Caller
	if who == "" {
		who = "the --" + s.Name + "-profile credentials"
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return credproc.Errorf(credproc.KindUnavailable, "%s: %s%s: %s", where, call, on, credproc.RootCause(err)).
			WithHint("check network access to the AWS endpoints (or HTTPS_PROXY)")
	}
	code, msg := ae.ErrorCode(), ae.ErrorMessage()
	switch {
	case code == "AccessDenied" || code == "AccessDeniedException" || code == "UnauthorizedOperation":
		return credproc.Errorf(credproc.KindDenied, "%s: %s%s denied: %s lacks the permission %s", where, call, on, who, call).
			WithHint("grant %s to %s, or run setup with a --%s-profile that has it", call, who, s.Name)
	case code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch" || code == "ExpiredToken" || code == "AuthFailure":
		return credproc.Errorf(credproc.KindBase, "%s: %s: AWS rejects the --%s-profile credentials: %s", where, call, s.Name, code).
			WithHint("refresh the credentials of the --%s-profile", s.Name)
	case retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool():
		return credproc.Errorf(credproc.KindUnavailable, "%s: %s%s throttled after retries: %s", where, call, on, code)
	}
	return credproc.Errorf(credproc.KindUnexpected, "%s: %s%s: %s: %s", where, call, on, code, msg)
}
