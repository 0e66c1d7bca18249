package cache

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/gofrs/flock"
)

var t0 = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	p       *Provider
	store   Store
	calls   atomic.Int32
	warns   []string
	expires time.Time // of the next refreshed credentials
}

func newFixture(t *testing.T, s Store) *fixture {
	f := &fixture{store: s, expires: t0.Add(time.Hour)}
	f.p = &Provider{
		Store: s, Key: Key(t.Name()), Label: "profile prod", RoleARN: "arn:aws:iam::222222222222:role/deploy",
		Window: DefaultWindow,
		Now:    func() time.Time { return t0 },
		Refresh: func(context.Context) (aws.Credentials, error) {
			n := f.calls.Add(1)
			return aws.Credentials{AccessKeyID: "ASIA" + string(rune('A'+n)), SecretAccessKey: "sk", SessionToken: "tk",
				CanExpire: true, Expires: f.expires, AccountID: "222222222222"}, nil
		},
		Warn: func(s string) { f.warns = append(f.warns, s) },
	}
	return f
}

// put stores an entry expiring at exp, as an earlier run would have.
func (f *fixture) put(t *testing.T, exp time.Time) {
	e := NewEntry("profile prod", "arn", aws.Credentials{AccessKeyID: "ASIACACHED", SecretAccessKey: "sk", SessionToken: "tk", Expires: exp}, t0.Add(-time.Hour))
	if err := f.store.Set(f.p.Key, e.encode(), exp); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) retrieve(t *testing.T) aws.Credentials {
	c, err := f.p.Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFreshness(t *testing.T) {
	tests := []struct {
		name   string
		left   time.Duration // before expiry, at t0
		jitter time.Duration
		hit    bool
	}{
		{"well inside", 50 * time.Minute, 0, true},
		{"just inside the window", DefaultWindow + time.Second, 0, true},
		{"exactly at the window", DefaultWindow, 0, false},
		{"just outside the window", DefaultWindow - time.Second, 0, false},
		{"inside, but not with jitter", DefaultWindow + 10*time.Second, 20 * time.Second, false},
		{"inside, with jitter", DefaultWindow + 30*time.Second, 20 * time.Second, true},
		{"expired", -time.Second, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, NewArray())
			f.p.Jitter = func() time.Duration { return tt.jitter }
			f.put(t, t0.Add(tt.left))
			c := f.retrieve(t)
			if hit := c.AccessKeyID == "ASIACACHED"; hit != tt.hit {
				t.Fatalf("hit = %v, want %v (refreshes: %d)", hit, tt.hit, f.calls.Load())
			}
			if !tt.hit {
				if f.calls.Load() != 1 {
					t.Fatalf("refreshes = %d, want 1", f.calls.Load())
				}
				// The refreshed entry replaced the stale one.
				if c2 := f.retrieve(t); c2.AccessKeyID != c.AccessKeyID || f.calls.Load() != 1 {
					t.Fatalf("second call: key %s, refreshes %d", c2.AccessKeyID, f.calls.Load())
				}
			}
			if !c.Expires.After(t0) {
				t.Fatal("served expired credentials")
			}
		})
	}
}

func TestBadEntriesAreMissesAndReplaced(t *testing.T) {
	good := NewEntry("profile prod", "arn", aws.Credentials{AccessKeyID: "ASIACACHED", SecretAccessKey: "sk", Expires: t0.Add(time.Hour)}, t0).encode()
	v2 := strings.Replace(string(good), `"version":1`, `"version":2`, 1)
	tests := map[string][]byte{
		"corrupt":         []byte("{not json"),
		"truncated":       good[:len(good)/2],
		"empty":           {},
		"unknown version": []byte(v2),
		"no version":      []byte(strings.Replace(string(good), `"version":1,`, "", 1)),
		"no secret":       []byte(strings.Replace(string(good), `"secret_access_key":"sk"`, `"secret_access_key":""`, 1)),
		"foreign json":    []byte(`{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"x"}`),
	}
	for name, value := range tests {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, NewArray())
			if err := f.store.Set(f.p.Key, value, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if c := f.retrieve(t); c.AccessKeyID == "ASIACACHED" || f.calls.Load() != 1 {
				t.Fatalf("served a bad entry (%s), refreshes %d", c.AccessKeyID, f.calls.Load())
			}
			b, _ := f.store.Get(f.p.Key)
			if _, err := decodeEntry(b); err != nil {
				t.Fatalf("bad entry not replaced: %v", err)
			}
		})
	}
}

type failingStore struct{ Store }

func (failingStore) Set(string, []byte, time.Time) error { return errors.New("read-only file system") }

func TestUnwritableStoreStillServes(t *testing.T) {
	f := newFixture(t, failingStore{NewArray()})
	c := f.retrieve(t)
	if c.AccessKeyID == "" || len(f.warns) != 1 || !strings.Contains(f.warns[0], "read-only file system") {
		t.Fatalf("creds %q, warnings %q: want credentials and one warning", c.AccessKeyID, f.warns)
	}
	if strings.Contains(f.warns[0], "sk") && strings.Contains(f.warns[0], "tk") {
		t.Fatalf("warning shows secrets: %q", f.warns[0])
	}
}

func TestRefreshErrorIsNotCached(t *testing.T) {
	f := newFixture(t, NewArray())
	boom := errors.New("denied")
	f.p.Refresh = func(context.Context) (aws.Credentials, error) { return aws.Credentials{}, boom }
	if _, err := f.p.Retrieve(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	if keys, _ := f.store.Keys(); len(keys) != 0 {
		t.Fatalf("stored %v after a failure", keys)
	}
}

// Goroutines stand in for processes: flock locks on separate open files
// conflict even within one process.
func TestOneRefreshUnderAHerd(t *testing.T) {
	store, err := OpenFile(filepath.Join(t.TempDir(), "xrole"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, store)
	f.p.Locks = &Locker{Dir: t.TempDir(), Wait: 10 * time.Second}
	inner := f.p.Refresh
	f.p.Refresh = func(ctx context.Context) (aws.Credentials, error) {
		time.Sleep(100 * time.Millisecond) // an AssumeRole round trip
		return inner(ctx)
	}
	var wg sync.WaitGroup
	keys := make([]string, 16)
	for i := range keys {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			p := *f.p // each "process" has its own provider
			c, err := p.Retrieve(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = c.AccessKeyID
		}(i)
	}
	wg.Wait()
	if n := f.calls.Load(); n != 1 {
		t.Fatalf("refreshes = %d, want 1", n)
	}
	for _, k := range keys {
		if k != keys[0] {
			t.Fatalf("different credentials: %q", keys)
		}
	}
}

func TestLockTimeout(t *testing.T) {
	dir := t.TempDir()
	l := &Locker{Dir: dir, Wait: 150 * time.Millisecond}
	key := Key("busy")
	holder := flock.New(filepath.Join(dir, key+".lock"))
	if ok, err := holder.TryLock(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	defer holder.Unlock()
	start := time.Now()
	_, err := l.Lock(context.Background(), key)
	if !errors.Is(err, ErrLockTimeout) {
		t.Fatalf("got %v, want ErrLockTimeout", err)
	}
	if d := time.Since(start); d < 150*time.Millisecond || d > 5*time.Second {
		t.Errorf("waited %v", d)
	}
	holder.Unlock()
	unlock, err := l.Lock(context.Background(), key)
	if err != nil {
		t.Fatalf("after the holder let go: %v", err)
	}
	unlock()
}

func TestStaticCredentialsAreNotCached(t *testing.T) {
	f := newFixture(t, NewArray())
	f.p.Refresh = func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIA", SecretAccessKey: "x"}, nil
	}
	f.retrieve(t)
	if keys, _ := f.store.Keys(); len(keys) != 0 {
		t.Fatalf("cached credentials that never expire: %v", keys)
	}
}

func TestEntryRedacts(t *testing.T) {
	e := NewEntry("profile prod", "arn", aws.Credentials{AccessKeyID: "ASIASECRETKEYID", SecretAccessKey: "s3cr3t", SessionToken: "t0k3n", Expires: t0}, t0)
	for _, out := range []string{e.String(), fmtAll(e)} {
		if strings.Contains(out, "s3cr3t") || strings.Contains(out, "t0k3n") || strings.Contains(out, "SECRETKEYID") {
			t.Fatalf("entry leaks: %s", out)
		}
	}
}

func fmtAll(e Entry) string {
	return strings.Join([]string{sprintf("%v", e), sprintf("%+v", e), sprintf("%#v", e), sprintf("%s", e)}, " ")
}

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }
