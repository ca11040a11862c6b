"""Mail adapters: the IMAP poller of compta@flexio.fr and the acknowledgments sent to customers."""
