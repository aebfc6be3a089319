{{/* Names and labels (Helm's recommended labels). */}}
{{- define "cavra-scan.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "cavra-scan.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "cavra-scan.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cavra-scan.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "cavra-scan.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "cavra-scan.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: cavra-scan
{{- end }}

{{- define "cavra-scan.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "cavra-scan.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "cavra-scan.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* Pod Security Standards "restricted" + read-only root: fixed, not values. */}}
{{- define "cavra-scan.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ int .Values.podSecurity.runAsUser }}
runAsGroup: {{ int .Values.podSecurity.runAsGroup }}
fsGroup: {{ int .Values.podSecurity.fsGroup }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "cavra-scan.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ int .Values.podSecurity.runAsUser }}
runAsGroup: {{ int .Values.podSecurity.runAsGroup }}
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Environment shared by the CronJob and the gate. */}}
{{- define "cavra-scan.commonEnv" -}}
- name: CAVRA_SIGNING_KEY
  value: /var/run/secrets/cavra-scan/signing/signing.key
{{- if .Values.controlPlane.url }}
- name: CAVRA_CONTROL_PLANE_URL
  value: {{ .Values.controlPlane.url | quote }}
{{- end }}
{{- with .Values.env }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "cavra-scan.secretMounts" -}}
- name: signing-key
  mountPath: /var/run/secrets/cavra-scan/signing
  readOnly: true
{{- if .Values.controlPlane.url }}
- name: control-plane-token
  mountPath: /var/run/secrets/cavra-scan/control-plane
  readOnly: true
{{- end }}
{{- end }}

{{- define "cavra-scan.secretVolumes" -}}
- name: signing-key
  secret:
    secretName: {{ .Values.secrets.signingKey }}
    defaultMode: 288
{{- if .Values.controlPlane.url }}
- name: control-plane-token
  secret:
    secretName: {{ .Values.secrets.controlPlaneToken }}
    defaultMode: 288
{{- end }}
{{- end }}
