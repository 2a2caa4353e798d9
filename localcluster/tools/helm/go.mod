module gpss-operator/localcluster/tools/helm

go 1.24.0

tool helm.sh/helm/v3/cmd/helm
