from zuora_mcp.cli import main

raise SystemExit(main())
