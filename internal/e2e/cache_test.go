package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/xrole/xrole/cache"
	"github.com/xrole/xrole/internal/imdsfake"
	"github.com/xrole/xrole/internal/motoworld"
)

// cacheDir is the file store's directory for the test's home.
func (e *env) cacheDir() string { return filepath.Join(e.home, ".cache", "xrole") }

// doc parses a credential_process document and checks its shape.
func (e *env) doc(out string) map[string]any {
	e.t.Helper()
	var d map[string]any
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		e.t.Fatalf("not a document: %q: %v", out, err)
	}
	if d["Version"] != float64(1) || d["AccessKeyId"] == "" || d["SecretAccessKey"] == "" || !expirationRe.MatchString(fmt.Sprint(d["Expiration"])) {
		e.t.Fatalf("bad document %q", out)
	}
	return d
}

// A second `aws sts get-caller-identity` through the profile is served from
// the cache: no AssumeRole call reaches moto and no metadata request is made.
func TestSecondCallIsCached(t *testing.T) {
	clis := awsCLIs(t)
	for _, backend := range []string{"file", "keyctl", "auto"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			// keyctl's user keyring is shared by all of root's processes:
			// a profile name of this test's own keeps its entry apart.
			profile := "p" + e.world.Name
			e.config(strings.ReplaceAll(prodProfile, "prod", profile))
			e.vars["XROLE_CACHE"] = backend
			t.Cleanup(func() { e.xrole(nil, "cache", "clear", profile) })

			arn, r := e.callerIdentity(clis["v1"], nil, "--profile", profile)
			if r.code != 0 || arn != e.wantTargetARN() {
				t.Fatalf("first call: %q exit %d: %s", arn, r.code, r.stderr)
			}
			if n := e.motoAssumeCalls(); n != 1 {
				t.Fatalf("first call: moto saw %d AssumeRole calls, want 1", n)
			}
			metadata := e.imds.Requests()
			if metadata == 0 {
				t.Fatal("the first call made no metadata request: the test cannot tell a cached call apart")
			}
			for _, v := range []string{"v2", "v1"} {
				arn, r := e.callerIdentity(clis[v], nil, "--profile", profile)
				if r.code != 0 || arn != e.wantTargetARN() {
					t.Fatalf("%s: %q exit %d: %s", v, arn, r.code, r.stderr)
				}
			}
			if n := e.motoAssumeCalls(); n != 1 {
				t.Errorf("cached calls reached moto: %d AssumeRole calls, want 1", n)
			}
			if n := e.imds.Requests(); n != metadata {
				t.Errorf("cached calls made %d metadata requests", n-metadata)
			}
			list := e.xrole(nil, "cache", "list")
			if !strings.Contains(list.stdout, "profile "+profile) {
				t.Errorf("cache list does not show the entry:\n%s", list.stdout)
			}
		})
	}
}

// The warm path's --debug says it was a hit, and builds nothing: no
// metadata request, no STS call, even with STS down.
func TestWarmPathNeedsNoNetwork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config(prodProfile)
	first := e.xrole(nil, "process", "prod")
	if first.code != 0 {
		t.Fatalf("exit %d: %s", first.code, first.stderr)
	}
	e.imds.SetMode(imdsfake.Error500, 0)
	e.guard.SetFault(motoworld.Throttle)
	r := e.xrole(nil, "--debug", "process", "prod")
	if r.code != 0 {
		t.Fatalf("warm call failed with metadata and STS down: exit %d: %s", r.code, r.stderr)
	}
	if r.stdout != first.stdout {
		t.Errorf("warm call printed other credentials")
	}
	if !regexp.MustCompile(`(?m)^xrole: debug: cache file: hit [0-9a-f]{40}, `).MatchString(r.stderr) {
		t.Errorf("--debug does not report a hit:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, "assume ") || strings.Contains(r.stderr, "base credentials") {
		t.Errorf("warm call went down the cold path:\n%s", r.stderr)
	}
}

// 40 processes started together on a cold cache make one AssumeRole call
// and print the same credentials.
func TestHerdMakesOneAssumeRole(t *testing.T) {
	t.Parallel()
	const n = 40
	e := newEnv(t)
	e.config(prodProfile)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmds := make([]*exec.Cmd, n)
	outs := make([]strings.Builder, n)
	errs := make([]strings.Builder, n)
	for i := range cmds {
		cmds[i] = e.command(ctx, nil, xroleBin, "process", "prod")
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &errs[i]
	}
	for i, c := range cmds {
		if err := c.Start(); err != nil {
			t.Fatalf("start %d: %v", i, err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Errorf("process %d: %v: %s", i, err, errs[i].String())
		}
	}
	for i := range outs {
		e.doc(outs[i].String())
		if outs[i].String() != outs[0].String() {
			t.Errorf("process %d printed other credentials than process 0", i)
		}
		e.noSecrets(errs[i].String(), outs[i].String())
		if errs[i].Len() != 0 {
			t.Errorf("process %d wrote to stderr: %s", i, errs[i].String())
		}
	}
	if got := e.motoAssumeCalls(); got != 1 {
		t.Errorf("moto received %d AssumeRole calls from %d processes, want 1", got, n)
	}
}

// A waiter gives up on a lock held too long with exit 5; a holder killed
// with SIGKILL leaves no stuck lock.
func TestLockHolderKilled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config(prodProfile)
	release := e.guard.Hold()
	defer release()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	holder := e.command(ctx, nil, xroleBin, "process", "prod")
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Process.Kill()
	deadline := time.Now().Add(20 * time.Second)
	for len(e.guard.AssumeRequests()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the holder never called AssumeRole")
		}
		time.Sleep(10 * time.Millisecond)
	}
	locks, _ := filepath.Glob(filepath.Join(e.cacheDir(), "*.lock"))
	if len(locks) != 1 {
		t.Fatalf("lock files %v, want one", locks)
	}

	start := time.Now()
	r := e.xrole(map[string]string{"XROLE_LOCK_TIMEOUT": "1s"}, "process", "prod")
	if r.code != 5 || r.stdout != "" || !strings.HasPrefix(r.stderr, "xrole: error: timed out waiting for another xrole to refresh the credentials: lock ") {
		t.Fatalf("waiter: exit %d, stdout %q, stderr:\n%s", r.code, r.stdout, r.stderr)
	}
	if waited := time.Since(start); waited < time.Second || waited > 15*time.Second {
		t.Errorf("waiter gave up after %v, want about 1s", waited)
	}

	if err := syscall.Kill(holder.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = holder.Wait()
	release()
	r = e.xrole(map[string]string{"XROLE_LOCK_TIMEOUT": "5s"}, "process", "prod")
	if r.code != 0 {
		t.Fatalf("after the holder's death: exit %d: %s", r.code, r.stderr)
	}
	e.doc(r.stdout)
}

// A cache directory that cannot be created or written still yields the
// credentials, with one warning.
func TestUnwritableCacheDir(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config(prodProfile)
	blocker := filepath.Join(e.home, "not-a-dir")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, backend := range []string{"file", "auto"} {
		r := e.xrole(map[string]string{"XDG_CACHE_HOME": blocker, "XROLE_CACHE": backend}, "process", "prod")
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", backend, r.code, r.stderr)
		}
		e.doc(r.stdout)
		lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "xrole: warning: cache "+backend+" unavailable, continuing without it: ") {
			t.Errorf("%s: want one warning line, got:\n%s", backend, r.stderr)
		}
	}
}

// A corrupt entry is a miss, and is replaced by a good one.
func TestCorruptEntryReplaced(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config(prodProfile)
	if r := e.xrole(nil, "process", "prod"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	entries, _ := filepath.Glob(filepath.Join(e.cacheDir(), "*.json"))
	if len(entries) != 1 {
		t.Fatalf("entries %v, want one", entries)
	}
	for i, bad := range []string{`{"version":1,"access_key_id":"AKIA`, `{"version":2}`, "\x00\x01garbage"} {
		if err := os.WriteFile(entries[0], []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		r := e.xrole(nil, "process", "prod")
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("over a corrupt entry: exit %d: %s", r.code, r.stderr)
		}
		e.doc(r.stdout)
		if n := e.motoAssumeCalls(); n != i+2 {
			t.Errorf("corrupt entry %q: %d AssumeRole calls, want %d", bad, n, i+2)
		}
		b, err := os.ReadFile(entries[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cache.Decode(b); err != nil {
			t.Errorf("entry not replaced: %v", err)
		}
	}
}

// cache list shows the entry and no secret; cache clear removes it.
func TestCacheListAndClear(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config(prodProfile + "\n[profile other]\ncredential_process = {{XROLE}} process other\nxrole_role_arn = {{TARGET_ARN}}\nxrole_external_id = {{EXTERNAL_ID}}\nregion = {{REGION}}\nxrole_session_name = other\n")
	prod := e.xrole(nil, "process", "prod")
	other := e.xrole(nil, "process", "other")
	if prod.code != 0 || other.code != 0 {
		t.Fatalf("exit %d/%d: %s%s", prod.code, other.code, prod.stderr, other.stderr)
	}
	list := e.xrole(nil, "cache", "list")
	if list.code != 0 {
		t.Fatalf("cache list: exit %d: %s", list.code, list.stderr)
	}
	row := regexp.MustCompile(`(?m)^profile prod +` + regexp.QuoteMeta(e.world.TargetRoleARN) + ` +file +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +(\d+m)?\d+s$`)
	if !row.MatchString(list.stdout) || !strings.Contains(list.stdout, "profile other ") {
		t.Errorf("cache list:\n%s", list.stdout)
	}
	for _, out := range []string{prod.stdout, other.stdout} {
		d := e.doc(out)
		for _, k := range []string{"SecretAccessKey", "SessionToken", "AccessKeyId"} {
			if strings.Contains(list.stdout+list.stderr, d[k].(string)) {
				t.Errorf("cache list shows %s", k)
			}
		}
	}

	clear := e.xrole(nil, "cache", "clear", "prod")
	if clear.code != 0 || clear.stderr != "xrole: removed 1 cached credentials (profile prod) from file\n" {
		t.Fatalf("cache clear prod: exit %d: %q", clear.code, clear.stderr)
	}
	list = e.xrole(nil, "cache", "list")
	if strings.Contains(list.stdout, "profile prod") || !strings.Contains(list.stdout, "profile other") {
		t.Errorf("after clear prod:\n%s", list.stdout)
	}
	if r := e.xrole(nil, "process", "prod"); r.code != 0 || e.motoAssumeCalls() != 3 {
		t.Errorf("after clear, process prod did not assume again (%d calls)", e.motoAssumeCalls())
	}
	if clear := e.xrole(nil, "cache", "clear"); clear.code != 0 || !strings.HasPrefix(clear.stderr, "xrole: removed 2 ") {
		t.Errorf("cache clear: exit %d: %q", clear.code, clear.stderr)
	}
	left, _ := filepath.Glob(filepath.Join(e.cacheDir(), "*"))
	if len(left) != 0 {
		t.Errorf("cache clear left %v", left)
	}
}

// keyctl's per-user quota (20000 bytes for non-root users) fills up after
// a few sessions; auto then moves to files, says so once, and keeps
// caching. Root's quota is large, so xrole runs as nobody here.
func TestKeyctlQuotaFallsBackToFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config(prodProfile)
	home, cred := e.asNobody(t)
	vars := map[string]string{"HOME": home, "XROLE_CACHE": "auto", "XDG_CACHE_HOME": ""}
	run := func(args ...string) result {
		cmd := e.command(context.Background(), vars, xroleBin, args...)
		cmd.Path, cmd.Args[0] = filepath.Join(home, "xrole"), filepath.Join(home, "xrole")
		cmd.SysProcAttr.Credential = cred
		r := e.runCmd(cmd)
		e.noSecrets(r.stderr, r.stdout)
		return r
	}
	t.Cleanup(func() { run("cache", "clear") })
	warnings := 0
	const sessions = 40 // ~800 bytes each: twice the default quota
	for i := range sessions {
		r := run("process", "prod", "--session-name", fmt.Sprintf("s%02d", i))
		if r.code != 0 {
			t.Fatalf("session %d: exit %d: %s", i, r.code, r.stderr)
		}
		e.doc(r.stdout)
		warnings += strings.Count(r.stderr, "xrole: warning: ")
		if r.stderr != "" && !regexp.MustCompile(`^xrole: warning: the keyring:keyctl quota is full \(kernel.keys.maxbytes\); caching in files under .*/xrole from now on\n$`).MatchString(r.stderr) {
			t.Errorf("session %d: stderr %q", i, r.stderr)
		}
	}
	if warnings != 1 {
		t.Errorf("%d warnings, want exactly one", warnings)
	}
	files, _ := filepath.Glob(filepath.Join(home, ".cache", "xrole", "*.json"))
	if len(files) == 0 {
		t.Fatal("no entry went to files")
	}
	// Everything is still cached: a second round makes no AssumeRole call.
	before := e.motoAssumeCalls()
	for i := range sessions {
		if r := run("process", "prod", "--session-name", fmt.Sprintf("s%02d", i)); r.code != 0 {
			t.Fatalf("second round %d: exit %d: %s", i, r.code, r.stderr)
		}
	}
	if after := e.motoAssumeCalls(); after != before {
		t.Errorf("second round made %d AssumeRole calls, want 0", after-before)
	}
	list := run("cache", "list")
	if !strings.Contains(list.stdout, "keyring:keyctl") || !strings.Contains(list.stdout, " file ") {
		t.Errorf("cache list should show both places:\n%s", list.stdout)
	}
}

// asNobody prepares a home directory and a copy of xrole that uid 65534
// can use, with the test's AWS config.
func (e *env) asNobody(t *testing.T) (string, *syscall.Credential) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test runs xrole as uid 65534 and needs root (CI runs as root)")
	}
	const uid = 65534
	dir, err := os.MkdirTemp("", "xrole-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	home := filepath.Join(dir, "home")
	bin, _ := os.ReadFile(xroleBin)
	cfg, _ := os.ReadFile(e.vars["AWS_CONFIG_FILE"])
	for _, step := range []error{
		os.Chmod(dir, 0o755),
		os.Mkdir(home, 0o700),
		os.WriteFile(filepath.Join(home, "xrole"), bin, 0o755),
		os.WriteFile(filepath.Join(home, "config"), cfg, 0o644),
		os.Chown(home, uid, uid),
	} {
		if step != nil {
			t.Fatal(step)
		}
	}
	e.vars["AWS_CONFIG_FILE"] = filepath.Join(home, "config")
	return home, &syscall.Credential{Uid: uid, Gid: uid}
}

// xrole never starts a D-Bus daemon and never connects to the session bus
// unless a D-Bus backend is chosen. A listener at DBUS_SESSION_BUS_ADDRESS
// counts connections; a fake dbus-launch first on PATH records calls.
func TestNoDBus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.config(prodProfile)
	dir := t.TempDir()
	launched := filepath.Join(dir, "dbus-launch.log")
	script := "#!/bin/sh\necho \"$@\" >> " + launched + "\nexit 1\n"
	if err := os.WriteFile(filepath.Join(dir, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	e.vars["PATH"] = dir + string(os.PathListSeparator) + e.vars["PATH"]
	sock := filepath.Join(dir, "bus")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	bus := map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=" + sock}
	noBus := map[string]string{"DBUS_SESSION_BUS_ADDRESS": ""}
	with := func(m map[string]string, k, v string) map[string]string {
		out := map[string]string{k: v}
		for a, b := range m {
			out[a] = b
		}
		return out
	}
	for _, vars := range []map[string]string{bus, noBus} {
		for _, args := range [][]string{
			{"process", "prod"}, {"process", "prod", "--cache", "auto"}, {"process", "prod", "--cache", "keyctl"},
			{"process", "prod", "--cache", "none"}, {"cache", "list"}, {"cache", "list", "--cache", "auto"}, {"version"},
		} {
			if r := e.xrole(vars, args...); r.code != 0 {
				t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
			}
		}
		if r := e.xrole(with(vars, "XROLE_KEYRING_PASSWORD", "pw"), "process", "prod", "--cache", "keyring:file"); r.code != 0 {
			t.Fatalf("keyring:file: exit %d: %s", r.code, r.stderr)
		}
	}
	if n := conns.Load(); n != 0 {
		t.Errorf("xrole connected to the session bus %d times without a D-Bus backend", n)
	}
	// With no session bus, even a D-Bus backend must not launch one.
	r := e.xrole(noBus, "process", "prod", "--cache", "secret-service")
	if r.code != 0 || !strings.HasPrefix(r.stderr, "xrole: warning: cache keyring:secret-service unavailable") {
		t.Errorf("secret-service without a bus: exit %d: %s", r.code, r.stderr)
	}
	if b, err := os.ReadFile(launched); err == nil {
		t.Errorf("xrole ran dbus-launch: %s", b)
	}
	// Control: the listener does see a D-Bus backend's connection.
	r = e.xrole(bus, "process", "prod", "--cache", "secret-service")
	if r.code != 0 {
		t.Errorf("secret-service with a broken bus: exit %d: %s", r.code, r.stderr)
	}
	if conns.Load() == 0 {
		t.Error("control failed: secret-service did not connect to the listener, so the test cannot see a connection")
	}
}
