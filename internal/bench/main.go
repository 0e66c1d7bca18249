// Command bench measures xrole's hot and worst paths on loopback fakes
// (run by hand: `make bench`; not a timed test, the figures are ratios
// against a baseline measured in the same run):
//
//   - warm hit: `xrole process prod` with a warm cache (file, and auto,
//     which is keyctl on Linux) against a hello-world Go binary built in the
//     same run, alternated; median wall and CPU time, their ratios, peak RSS;
//   - package init: GODEBUG=inittrace=1 totals and the costliest packages;
//   - herd: N processes started together on a cold cache against moto: the
//     AssumeRole calls moto received, whether all outputs are identical and
//     valid, and the wall time against one cold call.
//
// Usage: go run ./internal/bench [-runs 200] [-herd 64]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/xrole/xrole/internal/motoworld"
)

func main() {
	runs := flag.Int("runs", 200, "alternated runs of each binary for the warm-hit figures")
	herd := flag.Int("herd", 64, "processes started together on a cold cache")
	flag.Parse()
	if err := run(*runs, *herd); err != nil {
		fmt.Fprintln(os.Stderr, "bench: error:", err)
		os.Exit(1)
	}
}

type sample struct {
	wall, cpu time.Duration
	rssKiB    int64
}

func run(runs, herd int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "xrole-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	xrole, hello := filepath.Join(dir, "xrole"), filepath.Join(dir, "hello")
	if err := goBuild(dir, xrole, "-tags", "urfave_cli_no_docs", "-trimpath", "github.com/xrole/xrole/cmd/xrole"); err != nil {
		return err
	}
	helloSrc := filepath.Join(dir, "hello.go")
	if err := os.WriteFile(helloSrc, []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello, world\") }\n"), 0o600); err != nil {
		return err
	}
	if err := goBuild(dir, hello, "-trimpath", helloSrc); err != nil {
		return err
	}
	// A second baseline: hello-world that links net/http, as any
	// credential_process that can call STS must.
	nethttp := filepath.Join(dir, "hello-nethttp")
	nhSrc := filepath.Join(dir, "nethttp", "main.go")
	os.MkdirAll(filepath.Dir(nhSrc), 0o700)
	if err := os.WriteFile(nhSrc, []byte("package main\n\nimport (\n\t\"fmt\"\n\t_ \"net/http\"\n)\n\nfunc main() { fmt.Println(\"hello, world\") }\n"), 0o600); err != nil {
		return err
	}
	if err := goBuild(dir, nethttp, "-trimpath", nhSrc); err != nil {
		return err
	}

	st, err := motoworld.StartStage(ctx, dir, "prod", xrole)
	if err != nil {
		return err
	}
	defer st.Close()
	guard, env := st.Guard, st.Env()
	fmt.Printf("xrole bench: %s, %d CPUs; %d alternated runs each\n\n", goVersion(), numCPU(), runs)

	// Warm hits, alternated with the hello-world baseline.
	for _, backend := range []string{"file", "auto"} {
		benv := append(slices.Clone(env), "XROLE_CACHE="+backend)
		if _, err := exec1(ctx, benv, xrole, "process", "prod"); err != nil {
			return err
		}
		var hs, ns, xs []sample
		for range runs {
			h, err := measure(ctx, benv, hello)
			if err != nil {
				return err
			}
			n, err := measure(ctx, benv, nethttp)
			if err != nil {
				return err
			}
			x, err := measure(ctx, benv, xrole, "process", "prod")
			if err != nil {
				return err
			}
			hs, ns, xs = append(hs, h), append(ns, n), append(xs, x)
		}
		hw, hc, hr := medians(hs)
		nw, nc, nr := medians(ns)
		xw, xc, xr := medians(xs)
		fmt.Printf("warm hit, --cache %s:\n", backend)
		fmt.Printf("  %-28s median wall %6.2f ms  cpu %6.2f ms  peak RSS %5.1f MiB\n", "hello-world Go binary", ms(hw), ms(hc), mib(hr))
		fmt.Printf("  %-28s median wall %6.2f ms  cpu %6.2f ms  peak RSS %5.1f MiB\n", "hello-world linking net/http", ms(nw), ms(nc), mib(nr))
		fmt.Printf("  %-28s median wall %6.2f ms  cpu %6.2f ms  peak RSS %5.1f MiB\n", "xrole process prod", ms(xw), ms(xc), mib(xr))
		fmt.Printf("  ratio xrole/hello            wall %.2f  cpu %.2f (target cpu <= 2.0)\n", float64(xw)/float64(hw), float64(xc)/float64(hc))
		fmt.Printf("  ratio xrole/hello+net/http   wall %.2f  cpu %.2f\n", float64(xw)/float64(nw), float64(xc)/float64(nc))
		fmt.Printf("  peak RSS of xrole over all runs %.1f MiB (target < 20)\n\n", mib(maxRSS(xs)))
	}

	// Package init.
	if err := inittrace(ctx, append(slices.Clone(env), "XROLE_CACHE=file"), xrole); err != nil {
		return err
	}

	// One cold call, then the herd.
	cold := append(slices.Clone(env), "XROLE_CACHE=file")
	var colds []sample
	for range 7 {
		if _, err := exec1(ctx, cold, xrole, "cache", "clear"); err != nil {
			return err
		}
		s, err := measure(ctx, cold, xrole, "process", "prod")
		if err != nil {
			return err
		}
		colds = append(colds, s)
	}
	coldWall, _, _ := medians(colds)
	if _, err := exec1(ctx, cold, xrole, "cache", "clear"); err != nil {
		return err
	}
	before := guard.AssumeCalls()
	outs := make([][]byte, herd)
	errs := make([]error, herd)
	cmds := make([]*exec.Cmd, herd)
	var bufs = make([]bytes.Buffer, herd)
	for i := range cmds {
		cmds[i] = exec.CommandContext(ctx, xrole, "process", "prod")
		cmds[i].Env = cold
		cmds[i].Stdout = &bufs[i]
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i, c := range cmds {
		if err := c.Start(); err != nil {
			return err
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = c.Wait(); outs[i] = bufs[i].Bytes() }()
	}
	wg.Wait()
	herdWall := time.Since(start)
	calls := guard.AssumeCalls() - before
	identical, valid := true, true
	for i := range outs {
		if errs[i] != nil {
			return fmt.Errorf("herd process %d: %v", i, errs[i])
		}
		identical = identical && bytes.Equal(outs[i], outs[0])
		var d struct {
			Version                      int
			AccessKeyId, SecretAccessKey string
			Expiration                   time.Time
		}
		valid = valid && json.Unmarshal(outs[i], &d) == nil && d.Version == 1 && d.AccessKeyId != "" && d.SecretAccessKey != "" && !d.Expiration.IsZero()
	}
	fmt.Printf("herd: %d processes started together on a cold file cache\n", herd)
	fmt.Printf("  AssumeRole calls received: %d (must be 1)\n  outputs identical: %v, all valid documents: %v\n", calls, identical, valid)
	fmt.Printf("  herd wall %.1f ms; one cold call median %.1f ms (ratio %.1f)\n", ms(herdWall), ms(coldWall), float64(herdWall)/float64(coldWall))
	if calls != 1 || !identical || !valid {
		return fmt.Errorf("the herd broke the one-refresh rule")
	}
	return nil
}

func goBuild(dir, out string, args ...string) error {
	cmd := exec.Command("go", append([]string{"build", "-o", out}, args...)...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	return cmd.Run()
}

func exec1(ctx context.Context, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var errb bytes.Buffer
	cmd.Stderr = &errb
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %v: %v: %s", name, args, err, errb.String())
	}
	return out, nil
}

// measure runs one command. Its wall and CPU time come from Go; its peak
// RSS from a second run under a small C parent (/usr/bin/time), because
// the rusage of a child that Go starts (vfork, then exec) carries the
// parent's own high-water mark.
func measure(ctx context.Context, env []string, name string, args ...string) (sample, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("%s: %v", name, err)
	}
	wall := time.Since(start)
	st := cmd.ProcessState
	s := sample{wall: wall, cpu: st.UserTime() + st.SystemTime()}
	tm := exec.CommandContext(ctx, "/usr/bin/time", append([]string{"-f", "%M", name}, args...)...)
	tm.Env = env
	var errb bytes.Buffer
	tm.Stderr = &errb
	if err := tm.Run(); err != nil {
		return sample{}, fmt.Errorf("/usr/bin/time %s: %v (apt-get install -y time)", name, err)
	}
	lines := strings.Split(strings.TrimSpace(errb.String()), "\n")
	s.rssKiB, _ = strconv.ParseInt(lines[len(lines)-1], 10, 64)
	return s, nil
}

func medians(ss []sample) (wall, cpu time.Duration, rssKiB int64) {
	var ws, cs []time.Duration
	var rs []int64
	for _, s := range ss {
		ws, cs, rs = append(ws, s.wall), append(cs, s.cpu), append(rs, s.rssKiB)
	}
	slices.Sort(ws)
	slices.Sort(cs)
	slices.Sort(rs)
	return ws[len(ws)/2], cs[len(cs)/2], rs[len(rs)/2]
}

func maxRSS(ss []sample) int64 {
	var m int64
	for _, s := range ss {
		m = max(m, s.rssKiB)
	}
	return m
}

var initRe = regexp.MustCompile(`^init (\S+) @[\d.]+ ms, ([\d.]+) ms clock, (\d+) bytes, (\d+) allocs`)

// inittrace prints the package-init totals of a warm `xrole process`.
func inittrace(ctx context.Context, env []string, xrole string) error {
	cmd := exec.CommandContext(ctx, xrole, "process", "prod")
	cmd.Env = append(env, "GODEBUG=inittrace=1")
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Run(); err != nil {
		return err
	}
	type pkg struct {
		name  string
		ms    float64
		bytes int64
	}
	var pkgs []pkg
	var totalMS float64
	var totalBytes, allocs int64
	sc := bufio.NewScanner(&errb)
	for sc.Scan() {
		m := initRe.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		t, _ := strconv.ParseFloat(m[2], 64)
		b, _ := strconv.ParseInt(m[3], 10, 64)
		a, _ := strconv.ParseInt(m[4], 10, 64)
		pkgs = append(pkgs, pkg{m[1], t, b})
		totalMS += t
		totalBytes += b
		allocs += a
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].ms > pkgs[j].ms })
	fmt.Printf("package init (GODEBUG=inittrace=1, warm xrole process): %d packages, %.2f ms clock, %.0f KiB, %d allocs\n",
		len(pkgs), totalMS, float64(totalBytes)/1024, allocs)
	for _, p := range pkgs[:min(8, len(pkgs))] {
		fmt.Printf("  %-50s %6.3f ms %8d bytes\n", p.name, p.ms, p.bytes)
	}
	fmt.Println()
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func mib(kib int64) float64      { return float64(kib) / 1024 }

func goVersion() string {
	out, _ := exec.Command("go", "env", "GOVERSION").Output()
	return strings.TrimSpace(string(out))
}

func numCPU() int {
	out, _ := exec.Command("nproc").Output()
	n, _ := strconv.Atoi(strings.TrimSpace(string(out)))
	return n
}
