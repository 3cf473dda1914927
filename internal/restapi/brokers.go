package restapi

import "net/http"

// listBrokers answers GET /brokers with the broker ids, sorted.
func (s *Server) listBrokers(w http.ResponseWriter, r *http.Request) error {
	c, err := s.kafkaFor(r).Metadata(r.Context(), false)
	if err != nil {
		return err
	}
	brokers := c.Brokers
	if brokers == nil {
		brokers = []int32{}
	}
	return writeJSON(w, http.StatusOK, brokersResponse{Brokers: brokers})
}
