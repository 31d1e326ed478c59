package compare

import (
	"os/exec"
	"syscall"
)

// setDeathSignal makes the kernel kill the server if ratbench dies
// without stopping it (e.g. SIGKILL).
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
