package cli

import (
	"errors"
	"fmt"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/xrole/xrole/cache"
	"github.com/xrole/xrole/credproc"
)

func (a *app) cacheCommand() *cli.Command {
	cacheFlag := &cli.StringFlag{Name: sCache.flag, Usage: fmt.Sprintf("which store [$%s]", sCache.env())}
	return &cli.Command{
		Name:  "cache",
		Usage: "inspect (never shows secrets) and purge cached credentials",
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usagef("unknown cache command %q: want list or clear", c.Args().First())
			}
			return cli.ShowSubcommandHelp(c)
		},
		Subcommands: []*cli.Command{
			{
				Name:   "list",
				Usage:  "list cached credentials: profile or role, backend, expiry and time left",
				Flags:  []cli.Flag{cacheFlag},
				Action: a.cacheList,
			},
			{
				Name:      "clear",
				Usage:     "remove the cached credentials of PROFILE, or all of them",
				ArgsUsage: "[PROFILE]",
				Flags:     []cli.Flag{cacheFlag},
				Action:    a.cacheClear,
			},
		},
	}
}

// cacheStore opens the store that --cache or XROLE_CACHE names (default
// auto). The profile's xrole_cache key is not read: the commands act on a
// whole store.
func (a *app) cacheStore(c *cli.Context) (cache.Store, cacheConfig, error) {
	cc, err := a.cacheSettings(commandLookup(c, a.env.Getenv, nil, ""))
	if err != nil {
		return nil, cc, err
	}
	s, err := a.openStore(cc) // cache.Open gives None for "none"
	return s, cc, err
}

type listed struct {
	entry   cache.Entry
	backend string
	key     string
	bad     error
}

func (a *app) entries(s cache.Store) ([]listed, error) {
	var out []listed
	var errs []error
	for _, part := range cache.Parts(s) {
		keys, err := part.Keys()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", part.Name(), err))
			continue
		}
		for _, k := range keys {
			l := listed{backend: part.Name(), key: k}
			b, err := part.Get(k)
			if errors.Is(err, cache.ErrNotFound) {
				continue
			}
			if err == nil {
				l.entry, err = cache.Decode(b)
			}
			l.bad = err
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].entry.Label != out[j].entry.Label {
			return out[i].entry.Label < out[j].entry.Label
		}
		return out[i].key < out[j].key
	})
	return out, errors.Join(errs...)
}

func (a *app) cacheList(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("cache list takes no arguments, got %q", c.Args().Slice())
	}
	s, _, err := a.cacheStore(c)
	if err != nil {
		return err
	}
	es, err := a.entries(s)
	if err != nil {
		return credproc.Errorf(credproc.KindUnexpected, "list %s: %v", s.Name(), err)
	}
	now := a.env.Now()
	w := tabwriter.NewWriter(a.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "PROFILE OR ROLE\tROLE\tBACKEND\tEXPIRES (UTC)\tREMAINING")
	for _, l := range es {
		if l.bad != nil {
			fmt.Fprintf(w, "(unreadable %s)\t-\t%s\t-\t-\n", l.key, l.backend)
			continue
		}
		left := l.entry.Expiration.Sub(now).Truncate(time.Second)
		remaining := left.String()
		if left <= 0 {
			remaining = "expired"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", l.entry.Label, l.entry.RoleARN, l.backend,
			l.entry.Expiration.UTC().Format(time.RFC3339), remaining)
	}
	return w.Flush()
}

func (a *app) cacheClear(c *cli.Context) error {
	if c.NArg() > 1 {
		return usagef("cache clear takes at most one PROFILE, got %q", c.Args().Slice())
	}
	profile := c.Args().First()
	s, cc, err := a.cacheStore(c)
	if err != nil {
		return err
	}
	es, err := a.entries(s)
	if err != nil {
		return credproc.Errorf(credproc.KindUnexpected, "list %s: %v", s.Name(), err)
	}
	removed := 0
	var errs []error
	for _, l := range es {
		if profile != "" && (l.bad != nil || l.entry.Label != "profile "+profile) {
			continue
		}
		if err := s.Delete(l.key); err != nil {
			errs = append(errs, err)
			continue
		}
		removed++
	}
	if profile == "" && cc.dir != "" {
		errs = append(errs, cache.RemoveLocks(cc.dir))
		if au, ok := s.(*cache.Auto); ok {
			errs = append(errs, au.Clear())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return credproc.Errorf(credproc.KindUnexpected, "clear %s: %v", s.Name(), err)
	}
	what := "all profiles"
	if profile != "" {
		what = "profile " + profile
	}
	fmt.Fprintf(a.env.Stderr, "xrole: removed %d cached credentials (%s) from %s\n", removed, what, s.Name())
	return nil
}
