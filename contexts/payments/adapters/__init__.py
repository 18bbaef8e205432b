"""Payment provider adapters: Alipay (open platform, RSA2), WeChat Pay API v3, the sandbox."""
