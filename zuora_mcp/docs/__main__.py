from zuora_mcp.docs import main

raise SystemExit(main())
