{{- define "bench.labels" -}}
app.kubernetes.io/component: web
app.kubernetes.io/instance: {{ .name }}
app.kubernetes.io/managed-by: helm
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/part-of: {{ .team }}
app.kubernetes.io/version: v1.0.0
{{- end }}
{{- define "bench.selector" -}}
app.kubernetes.io/instance: {{ .name }}
app.kubernetes.io/name: {{ .name }}
{{- end }}
{{- define "bench.dns" -}}
- ports:
    - port: 53
      protocol: TCP
    - port: 53
      protocol: UDP
  to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
{{- end }}
