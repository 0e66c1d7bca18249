package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/xrole/xrole/credproc"
)

// mfaCode returns the MFA code for h: --mfa-token, then the mfa-process
// command, then (env and exec only, on a terminal) a prompt on stderr.
// `process` never prompts: its caller reads stdout and shows nothing.
func (a *app) mfaCode(ctx context.Context, h *hop) (string, error) {
	if h.mfaToken != "" {
		return h.mfaToken, nil
	}
	if h.mfaProcess != "" {
		return a.runMFAProcess(ctx, h.mfaProcess)
	}
	if a.mayPrompt {
		if f, ok := a.env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			fmt.Fprintf(a.env.Stderr, "MFA code for %s: ", h.role.MFASerial)
			line, err := bufio.NewReader(f).ReadString('\n')
			code := strings.TrimSpace(line)
			if err != nil && code == "" {
				return "", credproc.Errorf(credproc.KindConfig, "no MFA code read: %v", err)
			}
			if !credproc.ValidMFAToken(code) {
				return "", credproc.Errorf(credproc.KindConfig, "MFA code must be 6 digits")
			}
			return code, nil
		}
	}
	return "", credproc.Errorf(credproc.KindConfig, "role %s requires an MFA code (device %s) and xrole never prompts here", h.role.ARN, h.role.MFASerial).
		WithHint("pass --mfa-token CODE, or set xrole_mfa_process to a command that prints the code (for example: ykman oath accounts code -s NAME)")
}

// runMFAProcess runs the profile's MFA command through the shell and reads
// the code from its stdout.
func (a *app) runMFAProcess(ctx context.Context, command string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(ctx, "cmd", "/C", command)
	} else {
		cmd = exec.CommandContext(ctx, "/bin/sh", "-c", command)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = a.env.Stderr
	if err := cmd.Run(); err != nil {
		return "", credproc.Errorf(credproc.KindConfig, "MFA command %q failed: %v", command, err)
	}
	code := strings.TrimSpace(out.String())
	if !credproc.ValidMFAToken(code) {
		return "", credproc.Errorf(credproc.KindConfig, "MFA command %q printed no 6-digit code", command)
	}
	return code, nil
}
