package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// EntryVersion is the version of the value format. A value of any other
// version is a miss.
const EntryVersion = 1

// Entry is one cached set of credentials and what `cache list` shows of it.
type Entry struct {
	Version         int       `json:"version"`
	Label           string    `json:"label"` // "profile prod" or the role ARN
	RoleARN         string    `json:"role_arn"`
	Stored          time.Time `json:"stored"`
	Expiration      time.Time `json:"expiration"`
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	SessionToken    string    `json:"session_token"`
	AccountID       string    `json:"account_id"`
}

// NewEntry makes an entry from credentials that expire.
func NewEntry(label, roleARN string, c aws.Credentials, now time.Time) Entry {
	return Entry{
		Version: EntryVersion, Label: label, RoleARN: roleARN, Stored: now.UTC(), Expiration: c.Expires.UTC(),
		AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, AccountID: c.AccountID,
	}
}

// Credentials returns the entry's credentials.
func (e Entry) Credentials() aws.Credentials {
	return aws.Credentials{
		AccessKeyID: e.AccessKeyID, SecretAccessKey: e.SecretAccessKey, SessionToken: e.SessionToken,
		CanExpire: true, Expires: e.Expiration, AccountID: e.AccountID, Source: "xrole:cache",
	}
}

// Fresh reports whether more than window remains before the expiry.
func (e Entry) Fresh(now time.Time, window time.Duration) bool {
	return e.Expiration.Sub(now) > window
}

func (e Entry) encode() []byte {
	b, _ := json.Marshal(e) // only strings, ints and times
	return b
}

var errBadEntry = errors.New("unreadable cache entry")

// decodeEntry parses a value; anything but a complete entry of this
// version is errBadEntry.
func decodeEntry(b []byte) (Entry, error) {
	var e Entry
	if err := json.Unmarshal(b, &e); err != nil {
		return Entry{}, fmt.Errorf("%w: %v", errBadEntry, err)
	}
	if e.Version != EntryVersion {
		return Entry{}, fmt.Errorf("%w: version %d, want %d", errBadEntry, e.Version, EntryVersion)
	}
	if e.AccessKeyID == "" || e.SecretAccessKey == "" || e.Expiration.IsZero() {
		return Entry{}, fmt.Errorf("%w: incomplete", errBadEntry)
	}
	return e, nil
}

// String describes the entry without secrets.
func (e Entry) String() string {
	return fmt.Sprintf("entry{%s expires %s}", e.Label, e.Expiration.Format(time.RFC3339))
}

// GoString is String, so that %#v redacts too.
func (e Entry) GoString() string { return e.String() }

// Format makes every verb print the redacted form.
func (e Entry) Format(f fmt.State, _ rune) { fmt.Fprint(f, e.String()) }

// Decode parses a stored value; anything but a complete entry of this
// version is an error.
func Decode(b []byte) (Entry, error) { return decodeEntry(b) }
