package cache

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// DefaultWindow is the default refresh window. botocore runs a
// credential_process again on every call once fewer than 15 minutes remain,
// so an entry must be served only while more than that remains.
const DefaultWindow = 15 * time.Minute

// MaxJitter bounds the random time added to the window, so that the
// processes of a fleet do not all refresh in the same second.
const MaxJitter = 30 * time.Second

// Provider serves credentials from Store while they are fresh, and
// otherwise refreshes them once across processes.
type Provider struct {
	Store   Store
	Key     string
	Label   string // for `cache list`
	RoleARN string
	// Refresh is the cold path (base credentials, then AssumeRole). It is
	// only called on a miss, so the warm path builds no SDK client.
	Refresh func(ctx context.Context) (aws.Credentials, error)
	// Window: serve only while more than Window+Jitter() remains.
	Window time.Duration
	Jitter func() time.Duration
	Now    func() time.Time
	// Locks, when set, makes one process at a time refresh a key.
	Locks *Locker
	// Warn reports a failure that does not stop the credentials (one line).
	Warn func(string)
	// Debugf explains what happened (never with secrets).
	Debugf func(format string, args ...any)
}

func (p *Provider) debugf(format string, args ...any) {
	if p.Debugf != nil {
		p.Debugf(format, args...)
	}
}

func (p *Provider) window() time.Duration {
	w := p.Window
	if p.Jitter != nil {
		w += p.Jitter()
	}
	return w
}

// Lookup is the warm path: one read; the entry if it is fresh.
func (p *Provider) Lookup() (Entry, bool) {
	b, err := p.Store.Get(p.Key)
	if err != nil {
		if !errors.Is(err, ErrNotFound) {
			p.debugf("cache %s: read %s: %v", p.Store.Name(), p.Key, err)
		}
		return Entry{}, false
	}
	e, err := decodeEntry(b)
	if err != nil {
		p.debugf("cache %s: %s is a miss: %v", p.Store.Name(), p.Key, err)
		return Entry{}, false
	}
	now := p.Now()
	if !e.Fresh(now, p.window()) {
		p.debugf("cache %s: %s expires %s, within the refresh window", p.Store.Name(), p.Key, e.Expiration.Format(time.RFC3339))
		return Entry{}, false
	}
	p.debugf("cache %s: hit %s, %v left", p.Store.Name(), p.Key, e.Expiration.Sub(now).Truncate(time.Second))
	return e, true
}

// Retrieve implements aws.CredentialsProvider.
func (p *Provider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	if e, ok := p.Lookup(); ok {
		return e.Credentials(), nil
	}
	if p.Locks != nil {
		unlock, err := p.Locks.Lock(ctx, p.Key)
		switch {
		case err == nil:
			defer unlock()
			// Another process may have refreshed while we waited.
			if e, ok := p.Lookup(); ok {
				return e.Credentials(), nil
			}
		case errors.Is(err, ErrLockTimeout) || ctx.Err() != nil:
			return aws.Credentials{}, err
		default:
			// No lock (an unwritable directory): refresh anyway; the
			// write below fails too and says so.
			p.debugf("cache: no lock: %v", err)
		}
	}
	c, err := p.Refresh(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	if !c.CanExpire {
		return c, nil // nothing to time out: not cached
	}
	e := NewEntry(p.Label, p.RoleARN, c, p.Now())
	if err := p.Store.Set(p.Key, e.encode(), c.Expires); err != nil {
		if p.Warn != nil {
			p.Warn("could not cache the credentials (" + p.Store.Name() + "): " + err.Error())
		}
	} else {
		p.debugf("cache %s: stored %s until %s", p.Store.Name(), p.Key, c.Expires.UTC().Format(time.RFC3339))
	}
	return c, nil
}
