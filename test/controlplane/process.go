package controlplane

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Process is one program the harness started; Stop ends exactly it.
type Process struct {
	Name    string
	LogFile string
	// Started is when the process was started.
	Started time.Time
	cmd     *exec.Cmd
	done    chan struct{}
	err     error
}

// startProcess runs bin with args, logging to dir/name.log. The process dies
// with the harness (Pdeathsig), so a crashed test leaves nothing behind.
func startProcess(dir, name, bin string, args ...string) (*Process, error) {
	return startProcessWithEnv(dir, name, bin, nil, args...)
}

// startProcessWithEnv is startProcess with env added to the harness's
// environment.
func startProcessWithEnv(dir, name, bin string, env []string, args ...string) (*Process, error) {
	logFile := filepath.Join(dir, name+".log")
	log, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if len(env) > 0 {
		cmd.Env = append(os.Environ(), env...)
	}
	started := time.Now()
	if err := cmd.Start(); err != nil {
		_ = log.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Process{Name: name, LogFile: logFile, Started: started, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		_ = log.Close()
		close(p.done)
	}()
	return p, nil
}

// Args returns the command line, the program first.
func (p *Process) Args() []string { return append([]string(nil), p.cmd.Args...) }

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Terminate sends SIGTERM and returns at once; Done tells when it exited.
func (p *Process) Terminate() error { return p.cmd.Process.Signal(syscall.SIGTERM) }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Stop sends SIGTERM, then SIGKILL after the grace period, and waits.
func (p *Process) Stop(grace time.Duration) {
	if exited, _ := p.Exited(); exited {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// tail returns the end of the process log, for error messages.
func (p *Process) tail() string {
	data, err := os.ReadFile(p.LogFile)
	if err != nil {
		return ""
	}
	if len(data) > 3000 {
		data = data[len(data)-3000:]
	}
	return string(data)
}

// ErrPortBusy is returned when a requested port is taken.
var ErrPortBusy = errors.New("port busy")

// CheckPort fails with a message naming the port, its use and the variable
// that overrides it when something already listens there.
func CheckPort(port int, use, envVar string) error {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		hint := ""
		if envVar != "" {
			hint = fmt.Sprintf(": set %s to another port", envVar)
		}
		return fmt.Errorf("%w: %d (for %s) is already in use%s", ErrPortBusy, port, use, hint)
	}
	return l.Close()
}

// FreePort returns a port nothing listens on right now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
