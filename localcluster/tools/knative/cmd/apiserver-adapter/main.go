// The Knative ApiServerSource receive adapter, as knative.dev/eventing/cmd/apiserver_receive_adapter
// builds it, with one difference: its health-probe server is off. Upstream binds it to :8080 on every
// interface (a Kubernetes probe target); locally nothing may listen beyond loopback, and the launcher
// watches the process instead. The pprof listener is kept off by PROFILING_PORT=-1 (an invalid port
// makes it fail to bind, which the adapter only logs).
package main

import (
	filteredFactory "knative.dev/pkg/client/injection/kube/informers/factory/filtered"
	"knative.dev/pkg/signals"

	"knative.dev/eventing/pkg/adapter/apiserver"
	"knative.dev/eventing/pkg/adapter/v2"
	"knative.dev/eventing/pkg/auth"
	"knative.dev/eventing/pkg/eventingtls"
)

func main() {
	ctx := signals.NewContext()
	ctx = adapter.WithInjectorEnabled(ctx)
	ctx = adapter.WithHealthProbesDisabled(ctx)
	ctx = filteredFactory.WithSelectors(ctx,
		auth.OIDCLabelSelector,
		eventingtls.TrustBundleLabelSelector,
	)
	adapter.MainWithContext(ctx, "apiserversource", apiserver.NewEnvConfig, apiserver.NewAdapter)
}
