{{/* The release's full name: the release name, with the chart's name in front unless it already holds it. */}}
{{- define "weir.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The operator's Deployment, Service, ServiceAccount and RBAC objects share this name. */}}
{{- define "weir.operatorName" -}}
{{- printf "%s-operator" (include "weir.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "weir.serviceAccountName" -}}
{{- default (include "weir.operatorName" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "weir.selectorLabels" -}}
app.kubernetes.io/name: weir-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "weir.labels" -}}
{{ include "weir.selectorLabels" . }}
{{ include "weir.commonLabels" . }}
{{- end -}}

{{- define "weir.commonLabels" -}}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: weir
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/* An image reference from {repository, tag}: imageRegistry in front when set, the appVersion when no tag. */}}
{{- define "weir.image" -}}
{{- $registry := .root.Values.imageRegistry -}}
{{- $repository := ternary (printf "%s/%s" (trimSuffix "/" $registry) .image.repository) .image.repository (ne $registry "") -}}
{{- printf "%s:%s" $repository (default .root.Chart.AppVersion .image.tag) -}}
{{- end -}}

{{/* Namespaces that get the runtime ServiceAccount and, with watchNamespaces, the operator's Roles. */}}
{{- define "weir.jobNamespaces" -}}
{{- if .Values.watchNamespaces -}}
{{- toJson (uniq .Values.watchNamespaces) -}}
{{- else -}}
{{- toJson (list .Release.Namespace) -}}
{{- end -}}
{{- end -}}

{{/* Leader election is on when more than one operator runs. */}}
{{- define "weir.leaderElection" -}}
{{- if gt (int .Values.replicas) 1 }}true{{ end -}}
{{- end -}}
