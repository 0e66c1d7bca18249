package credproc

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Document is the credential_process output, Version 1, as the AWS CLI and
// SDKs read it. It redacts its secrets whenever it is formatted as text.
type Document struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	// Expiration is the credentials' real expiry, UTC, RFC 3339 with "Z";
	// empty for credentials that do not expire.
	Expiration string `json:"Expiration,omitempty"`
	AccountID  string `json:"AccountId,omitempty"`
}

// NewDocument converts SDK credentials into a Version 1 document.
func NewDocument(c aws.Credentials) Document {
	d := Document{
		Version:         1,
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		SessionToken:    c.SessionToken,
		AccountID:       c.AccountID,
	}
	if c.CanExpire {
		d.Expiration = c.Expires.UTC().Format(time.RFC3339)
	}
	return d
}

// Credentials converts the document back into SDK credentials.
func (d Document) Credentials() (aws.Credentials, error) {
	c := aws.Credentials{
		AccessKeyID:     d.AccessKeyID,
		SecretAccessKey: d.SecretAccessKey,
		SessionToken:    d.SessionToken,
		AccountID:       d.AccountID,
		Source:          "xrole",
	}
	if d.Expiration != "" {
		t, err := time.Parse(time.RFC3339, d.Expiration)
		if err != nil {
			return aws.Credentials{}, fmt.Errorf("parse expiration %q: %w", d.Expiration, err)
		}
		c.CanExpire, c.Expires = true, t
	}
	return c, nil
}

// JSON renders the document as one line of JSON followed by a newline.
func (d Document) JSON() []byte {
	// Marshal cannot fail: the document holds only strings and an int.
	b, _ := json.Marshal(d)
	return append(b, '\n')
}

// String describes the document without its secrets.
func (d Document) String() string {
	return fmt.Sprintf("credentials{AccessKeyId:%s Account:%s Expiration:%s}",
		RedactKeyID(d.AccessKeyID), d.AccountID, d.Expiration)
}

// GoString is String, so that %#v redacts too.
func (d Document) GoString() string { return d.String() }

// Format makes every verb print the redacted form.
func (d Document) Format(f fmt.State, _ rune) { fmt.Fprint(f, d.String()) }

// RedactKeyID keeps the first four characters of an access key id (its
// type, such as ASIA) and hides the rest.
func RedactKeyID(id string) string {
	if len(id) <= 4 {
		return strings.Repeat("*", len(id))
	}
	return id[:4] + strings.Repeat("*", len(id)-4)
}
