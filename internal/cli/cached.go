package cli

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/urfave/cli/v2"

	"github.com/xrole/xrole/cache"
	"github.com/xrole/xrole/credproc"
)

// defaultLockWait bounds how long a process waits for another one that is
// refreshing the same key; it stays under commandTimeout so that the wait
// ends with its own clear error.
const defaultLockWait = 45 * time.Second

// cacheConfig is the cache part of the settings of one command.
type cacheConfig struct {
	spec     string // parsed: auto, file, none, keyring:NAME
	window   time.Duration
	lockWait time.Duration
	dir      string
}

// cacheSettings reads --cache and --refresh-window (flag, XROLE_*, the
// command's profile) and XROLE_LOCK_TIMEOUT.
func (a *app) cacheSettings(l lookup) (cacheConfig, error) {
	spec, from := l.get(sCache)
	parsed, err := cache.ParseSpec(spec)
	if err != nil {
		return cacheConfig{}, credproc.Errorf(credproc.KindConfig, "%s: %v", from, err)
	}
	cc := cacheConfig{spec: parsed, window: cache.DefaultWindow, lockWait: defaultLockWait}
	if w, from := l.get(sRefreshWindow); w != "" {
		d, err := credproc.ParseDuration(w)
		if err != nil || d < 0 || d > credproc.MaxDuration {
			return cacheConfig{}, credproc.Errorf(credproc.KindConfig, "%s: refresh window %q: want a duration from 0 to 12h", from, w)
		}
		cc.window = d
	}
	if v := a.env.Getenv("XROLE_LOCK_TIMEOUT"); v != "" {
		d, err := credproc.ParseDuration(v)
		if err != nil || d <= 0 || d > defaultLockWait {
			return cacheConfig{}, credproc.Errorf(credproc.KindConfig, "XROLE_LOCK_TIMEOUT %q: want a duration above 0 and at most %v", v, defaultLockWait)
		}
		cc.lockWait = d
	}
	if cc.spec != "none" {
		dir, err := cache.DefaultDir(a.env.Getenv)
		if err != nil {
			return cacheConfig{}, credproc.Errorf(credproc.KindConfig, "no cache directory: %v", err).
				WithHint("set XDG_CACHE_HOME or HOME, or pass --cache none")
		}
		cc.dir = dir
	}
	return cc, nil
}

// openStore opens the configured store. A directory others can write to
// and keyring:file without a passphrase are configuration errors; any
// other failure leaves the command working without a cache, with a
// warning.
func (a *app) openStore(cc cacheConfig) (cache.Store, error) {
	s, fatal, err := a.openCache(cc)
	if err == nil {
		return s, nil
	}
	if fatal {
		return nil, err
	}
	a.warn("cache " + cc.spec + " unavailable, continuing without it: " + err.Error())
	return cache.None{}, nil
}

// openCache opens the configured store, or explains why it cannot, with
// the fix; fatal says the command must not go on without it.
func (a *app) openCache(cc cacheConfig) (s cache.Store, fatal bool, err *credproc.Error) {
	s, oerr := cache.Open(cc.spec, cache.Options{
		Dir: cc.dir, Password: a.env.Getenv("XROLE_KEYRING_PASSWORD"),
		Warn: a.warn, Debugf: a.debugf,
	})
	if oerr == nil {
		return s, false, nil
	}
	e := credproc.Errorf(credproc.KindConfig, "%v", oerr)
	var unsafe *cache.UnsafeDirError
	switch {
	case errors.As(oerr, &unsafe):
		return nil, true, e.WithHint("run: chmod 700 %s (and make sure you own it), or set XDG_CACHE_HOME to a private directory", unsafe.Dir)
	case errors.Is(oerr, cache.ErrNoPassword):
		return nil, true, e.WithHint("export XROLE_KEYRING_PASSWORD, or choose another backend with --cache")
	}
	return nil, false, e.WithHint("make %s a directory you own (mode 700), or choose another backend with --cache (xrole still works without a cache, one STS call each time)", cc.dir)
}

// warn prints one warning line.
func (a *app) warn(msg string) {
	a.env.Stderr.Write([]byte("xrole: warning: " + oneLine(msg) + "\n"))
}

// cacheKey hashes everything about the chain that changes the credentials.
func (a *app) cacheKey(h *hop) string {
	return cache.Key(a.keyParts(h)...)
}

func (a *app) keyParts(h *hop) []string {
	parts := append([]string{"xrole-v1"}, h.role.KeyParts()...)
	parts = append(parts, "endpoint="+h.endpoint)
	switch {
	case h.base != nil:
		parts = append(parts, "base=chain:"+a.cacheKey(h.base))
	case h.static != nil:
		parts = append(parts, "base=static:"+h.static.Source+":"+h.static.AccessKeyID)
	case h.process != "":
		parts = append(parts, "base=process:"+h.process)
	case h.source == "env":
		parts = append(parts, "base=env:"+a.env.Getenv("AWS_ACCESS_KEY_ID"))
	default:
		parts = append(parts, "base=imds:"+a.imds().Endpoint.Base())
	}
	return parts
}

// label names an entry in `cache list`.
func label(h *hop) string {
	if h.profile != "" {
		return "profile " + h.profile
	}
	return h.role.ARN
}

// cachedCredentials serves the chain from the cache when it can: the warm
// path reads one entry and builds no SDK client.
func (a *app) cachedCredentials(ctx context.Context, c *cli.Context, profile string) (aws.Credentials, *hop, error) {
	_, l, h, err := a.resolve(c, profile)
	if err != nil {
		return aws.Credentials{}, nil, err
	}
	cc, err := a.cacheSettings(l)
	if err != nil {
		return aws.Credentials{}, nil, err
	}
	refresh := func(ctx context.Context) (aws.Credentials, error) {
		p, err := a.build(ctx, h)
		if err != nil {
			return aws.Credentials{}, err
		}
		return p.Retrieve(ctx)
	}
	if cc.spec == "none" {
		a.debugf("cache: none")
		creds, err := refresh(ctx)
		return creds, h, err
	}
	store, err := a.openStore(cc)
	if err != nil {
		return aws.Credentials{}, nil, err
	}
	window := cc.window
	if half := h.role.Duration / 2; window > half {
		window = half // a 15-minute session would otherwise never be served
	}
	p := &cache.Provider{
		Store: store, Key: a.cacheKey(h), Label: label(h), RoleARN: h.role.ARN,
		Refresh: refresh,
		Window:  window,
		Jitter:  func() time.Duration { return rand.N(cache.MaxJitter) },
		Now:     a.env.Now,
		Locks:   &cache.Locker{Dir: cc.dir, Wait: cc.lockWait},
		Warn:    a.warn,
		Debugf:  a.debugf,
	}
	creds, err := p.Retrieve(ctx)
	if errors.Is(err, cache.ErrLockTimeout) {
		return aws.Credentials{}, nil, credproc.Errorf(credproc.KindUnavailable, "%v", err).
			WithHint("another xrole process is still refreshing %s; if it hangs, stop it, or raise XROLE_LOCK_TIMEOUT", label(h))
	}
	return creds, h, err
}
