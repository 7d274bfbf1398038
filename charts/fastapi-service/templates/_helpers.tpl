{{/* Chart name, overridable. */}}
{{- define "fastapi-service.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-chart, unless the release name already holds it. */}}
{{- define "fastapi-service.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "fastapi-service.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels for every object. */}}
{{- define "fastapi-service.labels" -}}
helm.sh/chart: {{ include "fastapi-service.chart" . }}
{{ include "fastapi-service.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: {{ include "fastapi-service.name" . }}
{{- end }}

{{/* Selector labels: stable for the release's lifetime, so never the version. */}}
{{- define "fastapi-service.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fastapi-service.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "fastapi-service.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "fastapi-service.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image reference: repository[:tag][@digest]. A digest pins the content and the tag stays
beside it for readers (the form Skaffold builds and then looks for when it syncs files into a
pod); without a digest the tag defaults to appVersion.
*/}}
{{- define "fastapi-service.image" -}}
{{- $image := .Values.image }}
{{- if $image.digest }}
{{- printf "%s%s@%s" $image.repository (ternary (printf ":%s" $image.tag) "" (ne $image.tag "")) $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository (default .Chart.AppVersion $image.tag) }}
{{- end }}
{{- end }}

{{/* The in-cluster URL of the Service, for test pods. */}}
{{- define "fastapi-service.url" -}}
{{- printf "http://%s.%s.svc:%d" (include "fastapi-service.fullname" .) .Release.Namespace (int .Values.service.port) }}
{{- end }}

{{/*
Seconds the kubelet waits after SIGTERM's preStop begins: the preStop pause, the app's drain
(readiness 503 while still serving), its in-flight timeout, and a margin before SIGKILL.
*/}}
{{- define "fastapi-service.terminationGracePeriodSeconds" -}}
{{- $app := .Values.app }}
{{- add .Values.shutdown.preStopSeconds (ceil $app.shutdownDrainSeconds) (ceil $app.shutdownTimeoutSeconds) 5 }}
{{- end }}

{{/* Pod and container security settings shared by the service and its test pods. */}}
{{- define "fastapi-service.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end }}

{{- define "fastapi-service.securityContext" -}}
{{- toYaml .Values.securityContext }}
{{- end }}

{{/*
Labels for helm test pods: the release's, but never the selector labels, so the Service,
the PodDisruptionBudget and topology spreading never count a test pod as a replica.
*/}}
{{- define "fastapi-service.testLabels" -}}
helm.sh/chart: {{ include "fastapi-service.chart" . }}
{{ include "fastapi-service.testSelectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "fastapi-service.testSelectorLabels" -}}
app.kubernetes.io/name: {{ include "fastapi-service.name" . }}-test
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: test
{{- end }}

{{/*
A helm test pod running `command` from the chart's own image, hardened like the service.
Hook pods stay until the next `helm test`, so `helm test --logs` can read them.
*/}}
{{- define "fastapi-service.testPod" -}}
{{- $ := .root }}
apiVersion: v1
kind: Pod
metadata:
  name: {{ include "fastapi-service.fullname" $ }}-{{ .name }}
  namespace: {{ $.Release.Namespace }}
  labels:
    {{- include "fastapi-service.testLabels" $ | nindent 4 }}
  annotations:
    helm.sh/hook: test
    helm.sh/hook-weight: {{ .weight | quote }}
    helm.sh/hook-delete-policy: before-hook-creation
    checkov.io/skip1: CKV_K8S_8=a run-to-completion test pod serves nothing to probe
    checkov.io/skip2: CKV_K8S_9=a run-to-completion test pod serves nothing to probe
spec:
  restartPolicy: Never
  activeDeadlineSeconds: {{ .deadline }}
  automountServiceAccountToken: false
  {{- with $.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- include "fastapi-service.podSecurityContext" $ | nindent 4 }}
  containers:
    - name: {{ .name }}
      image: {{ include "fastapi-service.image" $ | quote }}
      imagePullPolicy: {{ $.Values.image.pullPolicy }}
      workingDir: /srv
      command:
        {{- toYaml .command | nindent 8 }}
      env:
        - name: FASTAPI_ROOT
          value: {{ include "fastapi-service.url" $ | quote }}
        # The production image keeps pytest in its own environment, the dev image in its main one.
        - name: PATH
          value: /opt/system-tests/bin:/opt/venv/bin:/usr/local/bin:/usr/bin:/bin
        - name: HOME
          value: /tmp
        # The suite needs pytest and requests only; the dev image's other pytest plugins
        # (hypothesis, coverage) would try to write to a read-only filesystem.
        - name: PYTEST_DISABLE_PLUGIN_AUTOLOAD
          value: "1"
      securityContext:
        {{- /* Read-only even where the service's own filesystem is writable (dev values). */}}
        {{- toYaml (merge (dict "readOnlyRootFilesystem" true) (deepCopy $.Values.securityContext)) | nindent 8 }}
      resources:
        {{- toYaml $.Values.tests.resources | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
  volumes:
    - name: tmp
      emptyDir:
        sizeLimit: {{ $.Values.tmpSizeLimit }}
{{- end }}

{{/*
Checks across values, each failing with the values at fault and the way out (a schema error
names one field and no remedy); renders nothing. helm lint reports a `fail` as [INFO] only.
*/}}
{{- define "fastapi-service.validate" -}}
{{- $v := .Values }}
{{- if and $v.debug.enabled (not $v.image.development) }}
{{- fail "values: debug.enabled=true needs the development image (only it has debugpy and hotreload; the production image would crash-loop): deploy with values-dev.yaml, as Tilt --debug and `skaffold debug` do, or set image.development=true for an image built from the Dockerfile's development target" }}
{{- end }}
{{- if and (not $v.securityContext.readOnlyRootFilesystem) (not $v.image.development) }}
{{- fail "values: securityContext.readOnlyRootFilesystem=false needs image.development=true: only the inner loop writes outside /tmp (the files it syncs into /srv); the production image runs read-only" }}
{{- end }}
{{- with $v.networkPolicy }}
{{- if and .enabled (ne $v.service.type "ClusterIP") (not .ingressFromAnywhere) }}
{{- $ipBlock := false }}
{{- range .ingressFrom }}{{ if .ipBlock }}{{ $ipBlock = true }}{{ end }}{{ end }}
{{- if not $ipBlock }}
{{- fail (printf "values: service.type=%s takes clients from outside the cluster, and networkPolicy.ingressFrom admits none of them (pods only): set networkPolicy.ingressFromAnywhere=true, or list the clients' ipBlock in networkPolicy.ingressFrom" $v.service.type) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The egress rule to DNS, for the NetworkPolicies; nothing when networkPolicy.egress.dns is
empty, as a rule with an empty `to` would admit every destination.
*/}}
{{- define "fastapi-service.dnsEgress" -}}
{{- with .Values.networkPolicy.egress.dns -}}
- to:
    {{- toYaml . | nindent 4 }}
  ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end }}
{{- end }}
