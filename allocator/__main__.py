from allocator.cli.app import main

main()
