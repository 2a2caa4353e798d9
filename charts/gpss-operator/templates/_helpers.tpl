{{/*
The chart renders the RBAC rules, the watched resources and the CRD from copies of the plain
manifests under files/ (build/sync-chart.ts makes them; test/integration/ship-chart.test.ts fails
when they are stale), so manifests/ and eventing/ stay the one place to edit them, with the reasons
written beside each rule. Object names are fixed (gpss-<function>), not prefixed with the release
name: they are the names in manifests/ and in every runbook, and one install per cluster is the
rule anyway.
*/}}

{{/* The first object of kind .kind in the chart file .path, as JSON; fails the render when absent. */}}
{{- define "gpss-operator.fileObject" -}}
{{- $found := dict -}}
{{- range $doc := regexSplit "(?m)^---[ \t]*$" (.ctx.Files.Get .path) -1 -}}
{{- $o := fromYaml $doc -}}
{{- if and (not $found) (eq (get $o "kind" | toString) $.kind) -}}{{- $found = $o -}}{{- end -}}
{{- end -}}
{{- if not $found -}}{{- fail (printf "%s: no %s (run npx tsx build/sync-chart.ts)" .path .kind) -}}{{- end -}}
{{- toJson $found -}}
{{- end }}

{{/* The enabled functions, in a fixed order, as a JSON list (templates read it with fromJsonArray). */}}
{{- define "gpss-operator.functions" -}}
{{- $out := list -}}
{{- range $fn := list "reconcile" "finalize" "health" -}}
{{- $f := index $.Values.functions $fn -}}
{{- if and $f $f.enabled -}}{{- $out = append $out $fn -}}{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end }}

{{/* Labels every object carries; the first two are the ones manifests/ has, the rest are Helm's. */}}
{{- define "gpss-operator.labels" -}}
app.kubernetes.io/part-of: gpss-operator
{{- if .fn }}
app.kubernetes.io/component: {{ .fn }}
{{- end }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
{{- end }}

{{/* <registry>/<repository>/<fn>:<tag>, unless the function names a full image. */}}
{{- define "gpss-operator.image" -}}
{{- $f := index .ctx.Values.functions .fn -}}
{{- if $f.image -}}
{{- $f.image -}}
{{- else -}}
{{- $img := .ctx.Values.image -}}
{{- $repo := printf "%s/%s" (trimSuffix "/" $img.repository) .fn -}}
{{- if $img.registry -}}{{- $repo = printf "%s/%s" (trimSuffix "/" $img.registry) $repo -}}{{- end -}}
{{- printf "%s:%s" $repo ($img.tag | default .ctx.Chart.AppVersion | toString) -}}
{{- end -}}
{{- end }}

{{/*
Splits RBAC rules for namespace scope: a Role can only grant namespaced resources, so cluster-scoped
ones (nodes) move to a ClusterRole of their own. Returns {"namespaced": [...], "cluster": [...]} as JSON.
*/}}
{{- define "gpss-operator.splitRules" -}}
{{- $clusterScoped := list "nodes" "namespaces" -}}
{{- $ns := list -}}
{{- $cl := list -}}
{{- range $r := . -}}
{{- $nsRes := list -}}
{{- $clRes := list -}}
{{- range $res := $r.resources -}}
{{- if has $res $clusterScoped -}}{{- $clRes = append $clRes $res -}}{{- else -}}{{- $nsRes = append $nsRes $res -}}{{- end -}}
{{- end -}}
{{- if $nsRes -}}{{- $ns = append $ns (dict "apiGroups" $r.apiGroups "resources" $nsRes "verbs" $r.verbs) -}}{{- end -}}
{{- if $clRes -}}{{- $cl = append $cl (dict "apiGroups" $r.apiGroups "resources" $clRes "verbs" $r.verbs) -}}{{- end -}}
{{- end -}}
{{- toJson (dict "namespaced" $ns "cluster" $cl) -}}
{{- end }}
