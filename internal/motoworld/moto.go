package motoworld

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Moto is a running moto_server.
type Moto struct {
	URL string
	cmd *exec.Cmd
	log *os.File
}

// Start launches moto_server on a free loopback port and waits until it
// answers. logPath receives its output.
func Start(ctx context.Context, logPath string) (*Moto, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, fmt.Errorf("moto_server is not on PATH (pip install 'moto[server]'): %w", err)
	}
	var lastErr error
	for try := 0; try < 3; try++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		logf, err := os.Create(logPath)
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
		cmd.Stdout, cmd.Stderr = logf, logf
		cmd.Dir = filepath.Dir(logPath)
		cmd.Env = append(motoEnv(), "MOTO_RECORDER_FILEPATH="+filepath.Join(cmd.Dir, "moto_recording"))
		// Its own group, so Stop ends its children too; and killed by the
		// kernel if we die first (a panicking test skips deferred Stops).
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			logf.Close()
			return nil, fmt.Errorf("start moto_server: %w", err)
		}
		m := &Moto{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, log: logf}
		if lastErr = m.wait(ctx, 30*time.Second); lastErr == nil {
			return m, nil
		}
		m.Stop()
	}
	return nil, fmt.Errorf("moto_server did not come up (see %s): %w", logPath, lastErr)
}

// motoEnv is the environment for moto_server: ours, less anything that
// would change which account a request lands in.
func motoEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "MOTO_ACCOUNT_ID=") || strings.HasPrefix(kv, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "MOTO_ENABLE_RECORDING=True")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (m *Moto) wait(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	exited := make(chan error, 1)
	go func() { exited <- m.cmd.Wait() }()
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("moto_server exited: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		resp, err := http.Get(m.URL + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return nil // the goroutine above reaps moto_server when it ends
		}
	}
	return errors.New("timed out")
}

// Stop ends moto_server and its children.
func (m *Moto) Stop() {
	if m == nil || m.cmd == nil || m.cmd.Process == nil {
		return
	}
	_ = syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL)
	if m.log != nil {
		m.log.Close()
	}
}

// Reset clears every account's state.
func (m *Moto) Reset(ctx context.Context) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, m.URL+"/moto-api/reset", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	return resp.Body.Close()
}

// config is an SDK config for moto: fake static keys, a fixed region, and
// requests that land in the given account.
func (m *Moto) config(account string) aws.Config {
	cfg := aws.Config{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(m.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIAMOTOADMIN0000000", SecretAccessKey: "moto-admin"}, nil
		}),
	}
	if account != "" {
		cfg.APIOptions = m.AccountOptions(account)
	}
	return cfg
}

// AccountOptions are client options that make requests land in account.
func (m *Moto) AccountOptions(account string) []func(*middleware.Stack) error {
	return []func(*middleware.Stack) error{func(s *middleware.Stack) error {
		return smithyhttp.AddHeaderValue("x-moto-account-id", account)(s)
	}}
}

// IAM returns an IAM client acting in account.
func (m *Moto) IAM(account string) *iam.Client { return iam.NewFromConfig(m.config(account)) }

// STS returns an STS client acting in account.
func (m *Moto) STS(account string) *sts.Client { return sts.NewFromConfig(m.config(account)) }
