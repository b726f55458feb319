package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"

	cliflag "k8s.io/component-base/cli/flag"
	"k8s.io/component-base/cli/globalflag"
	"k8s.io/component-base/logs"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/component-base/term"
	"k8s.io/component-base/version/verflag"
	"k8s.io/klog/v2"

	"github.com/ks-apiserver/ks-apiserver/pkg/apiserver"
)

// NewCommand returns the ks-apiserver command.
func NewCommand(ctx context.Context) *cobra.Command {
	o := NewOptions()
	cmd := &cobra.Command{
		Use:   "ks-apiserver",
		Short: "KubeSphere resources API as a Kubernetes aggregated API server",
		Long: `ks-apiserver serves resources.kubesphere.io/v1alpha3: read-only listings of cluster
resources from informer caches, aggregated by kube-apiserver through an APIService.`,
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			verflag.PrintAndExitIfRequested()
			if err := logsapi.ValidateAndApply(o.Logs, nil); err != nil {
				return err
			}
			cliflag.PrintFlags(cmd.Flags())
			if err := o.Complete(); err != nil {
				return err
			}
			if err := o.Validate(); err != nil {
				return err
			}
			return Run(cmd.Context(), o)
		},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("%q does not take any arguments, got %q", cmd.CommandPath(), args)
			}
			return nil
		},
	}
	cmd.SetContext(ctx)

	fss := o.Flags()
	verflag.AddFlags(fss.FlagSet("global"))
	globalflag.AddGlobalFlags(fss.FlagSet("global"), cmd.Name(), logs.SkipLoggingConfigurationFlags())
	for _, fs := range fss.FlagSets {
		cmd.Flags().AddFlagSet(fs)
	}
	cols, _, _ := term.TerminalSize(cmd.OutOrStdout())
	cliflag.SetUsageAndHelpFunc(cmd, fss, cols)
	return cmd
}

// Run serves until ctx is done.
func Run(ctx context.Context, o *Options) error {
	config, err := o.Config()
	if err != nil {
		return err
	}
	config.ExtraConfig.ShuttingDown = ctx.Done()
	completed, err := config.Complete()
	if err != nil {
		return err
	}
	server, err := completed.New()
	if err != nil {
		return err
	}
	klog.InfoS("Starting ks-apiserver", "secureAddress", o.SecureServing.Listener.Addr().String())
	if o.servingCert != nil {
		// Nothing is served before the certificate is.
		if err := o.servingCert.Load(ctx); err != nil {
			return err
		}
	}
	prepared := server.GenericAPIServer.PrepareRun()
	if o.insecureListener != nil {
		klog.InfoS("Serving /oauth, /kapis and health over plain HTTP", "address", o.insecureListener.Addr().String())
		stopped := serveInsecure(ctx, o.insecureListener, apiserver.InsecureHandler(server.GenericAPIServer.Handler),
			o.ShutdownDelay, server.GenericAPIServer.ShutdownTimeout)
		defer func() { <-stopped }()
	}
	return prepared.RunWithContext(ctx)
}

// serveInsecure serves handler on l until ctx ends and then, as the secure
// port does, for delay more (readiness already fails), before it stops
// listening and waits up to timeout for the requests in flight; the
// returned channel is closed when it is done.
func serveInsecure(ctx context.Context, l net.Listener, handler http.Handler, delay, timeout time.Duration) <-chan struct{} {
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       90 * time.Second,
		MaxHeaderBytes:    1 << 20,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() {
		if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			klog.ErrorS(err, "Serving plain HTTP")
		}
	}()
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		// Answers already carry Connection: close (withCloseOnShutdown);
		// this also closes the connections that sit idle meanwhile.
		srv.SetKeepAlivesEnabled(false)
		time.Sleep(delay)
		shutdownCtx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if err := srv.Shutdown(shutdownCtx); err != nil {
			klog.ErrorS(err, "Stopping the plain-HTTP port; requests were still in flight")
		}
	}()
	return stopped
}
